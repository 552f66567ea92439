"""All routers of the public API, in the order they appear in /docs.

The app includes each of them itself (`include_api`), not through one parent router: FastAPI
matches a nested router's routes again at every level, on every request."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from gateway.api.routes import (
    analytics,
    audit,
    auth,
    carriers,
    events,
    health,
    inventory,
    locations,
    notifications,
    orders,
    products,
    shipments,
    stores,
    tracking,
    users,
)

API_ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        auth,
        users,
        stores,
        locations,
        products,
        inventory,
        tracking,
        orders,
        carriers,
        shipments,
        analytics,
        events,
        notifications,
        audit,
        health,
    )
)


def include_api(app: FastAPI) -> None:
    for router in API_ROUTERS:
        app.include_router(router)
