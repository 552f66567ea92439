"""All routers of the public API, in the order they appear in /docs.

The app includes each of them itself (`include_api`), not through one parent router: FastAPI
matches a nested router's routes again at every level, on every request. It tries routes in
the order they were included, so the hottest router goes first; /docs keeps API_ROUTERS'
order all the same."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

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


# Order placement is the hottest request. No other router has a path one of these matches,
# so trying them first changes no answer.
MATCHED_FIRST: tuple[APIRouter, ...] = (orders.router,)


def include_api(app: FastAPI) -> Callable[[list[BaseRoute]], list[BaseRoute]]:
    """Include every API router, MATCHED_FIRST first. Returns what puts the app's routes
    back in API_ROUTERS order, for the OpenAPI document."""
    added: dict[int, list[BaseRoute]] = {}  # position in API_ROUTERS → the app routes it added
    for router in sorted(API_ROUTERS, key=lambda r: r not in MATCHED_FIRST):
        before = len(app.router.routes)
        app.include_router(router)
        added[API_ROUTERS.index(router)] = app.router.routes[before:]
    documented = [route for position in sorted(added) for route in added[position]]
    api = {id(route) for route in documented}

    def in_documented_order(routes: list[BaseRoute]) -> list[BaseRoute]:
        ordered: list[BaseRoute] = []
        for route in routes:
            if id(route) not in api:
                ordered.append(route)
            elif not any(id(r) in api for r in ordered):
                ordered.extend(documented)
        return ordered

    return in_documented_order
