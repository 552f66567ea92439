"""The live feed: Server-Sent Events, scoped to the caller, resumable by cursor."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse

from chainkit.errors import FieldError, InvalidArgument, Unavailable
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.grpc_clients import OrdersClient
from gateway.api.deps import CurrentUser, OrdersDep, StateDep
from gateway.api.problems import documented
from gateway.core.security import Principal
from gateway.feed.cursor import Cursor
from gateway.feed.scope import FeedScope, parse_types, scope_for
from gateway.feed.texts import language

router = APIRouter(tags=["live feed"])

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `id` (resume cursor), `event` (type) and one JSON "
        "`data` object per change; `event: reset` when the cursor is older than the retention "
        "window; a comment heartbeat every 15 s.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
}


def _invalid(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(f"{field}: {message}", [FieldError(field, message)])


async def _scope(
    user: Principal, orders: OrdersClient, store_id: str | None, types: str | None
) -> FeedScope:
    try:
        wanted = parse_types(types)
    except ValueError as e:
        raise _invalid("types", str(e)) from None
    scope = scope_for(
        user.role,
        own_store=user.store_id,
        own_customer=user.customer_id,
        store_filter=store_id,
        types=wanted,
    )
    if scope.store_id is None:
        return scope
    store = await orders.GetStore(
        orders_pb2.GetStoreRequest(store_id=scope.store_id)
    )  # 404 for a store that does not exist
    return replace(scope, location_id=store.location_id)


@router.get(
    "/v1/events/stream",
    responses={**STREAM_DOC, **documented(401, 403, 404, 422, 503)},
)
async def stream_events(
    user: CurrentUser,
    state: StateDep,
    orders: OrdersDep,
    types: Annotated[
        str | None, Query(max_length=500, description="globs per dotted type: order.*,stock.low")
    ] = None,
    store_id: Annotated[str | None, Query(max_length=64, description="hq: one store")] = None,
    after: Annotated[str | None, Query(max_length=40, description="resume after this id")] = None,
    lang: Annotated[str | None, Query(pattern=r"^(zh-CN|zh|en)$")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> EventSourceResponse:
    """Every order, parcel and stock change the caller may see, as it happens. A browser's
    EventSource reconnects by itself with `Last-Event-ID`; other clients pass `after`."""
    feed = state.feed.live if state.feed is not None else None
    if feed is None or not feed.hub.ready.is_set():
        raise Unavailable("the live feed is starting")
    scope = await _scope(user, orders, store_id, types)
    raw = after or last_event_id
    try:
        cursor = Cursor.decode(raw) if raw else None
    except ValueError:
        raise _invalid("after", "not a cursor this feed issued") from None
    return EventSourceResponse(
        feed.stream(scope, cursor, language(accept_language, lang)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
