"""All routers of the public API, in the order they appear in /docs."""

from __future__ import annotations

from fastapi import APIRouter

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

api_router = APIRouter()
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
):
    api_router.include_router(module.router)
