"""Use case: list shipments (by order, store, status, stalled), newest first, keyset paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chainkit import cursors
from chainkit.errors import FieldError, InvalidArgument
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingStatus, as_utc
from logistics.service_layer.commands import ListShipments
from logistics.service_layer.deps import Deps
from logistics.service_layer.ports import ShipmentQuery

CURSOR_TAG = "shipments"
DEFAULT_LIMIT = 20
MAX_LIMIT = 200


@dataclass(frozen=True)
class ShipmentPage:
    items: list[Shipment]
    next_cursor: str


async def list_shipments(deps: Deps, request: ListShipments) -> ShipmentPage:
    limit = _limit(request.limit)
    query = ShipmentQuery(
        order_id=request.order_id,
        store_id=request.store_id,
        status=_status(request.status),
        stalled_only=request.stalled_only,
        limit=limit + 1,  # one more tells whether another page exists
        after=decode_cursor(request.cursor),
    )
    async with deps.reader() as uow:
        found = await uow.shipments.search(query)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1]) if len(found) > limit else ""
    return ShipmentPage(page, next_cursor)


def encode_cursor(shipment: Shipment) -> str:
    key = [as_utc(shipment.created_at).isoformat(), shipment.shipment_id]
    return cursors.encode(CURSOR_TAG, key)


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """The (created_at, shipment_id) a page continues after; None from the start."""
    key = cursors.decode(cursor, CURSOR_TAG, parts=2, legacy="")  # or a bare [at, id] from before
    if key is None:
        return None
    created_at, shipment_id = key
    try:
        return as_utc(datetime.fromisoformat(created_at)), shipment_id
    except ValueError as e:
        raise InvalidArgument(
            f"{cursors.FIELD}: {cursors.NOT_OURS}", [FieldError(cursors.FIELD, cursors.NOT_OURS)]
        ) from e


def _limit(limit: int) -> int:
    if limit < 0:
        raise InvalidArgument("bad limit", [FieldError("page.limit", "must not be negative")])
    return min(limit or DEFAULT_LIMIT, MAX_LIMIT)


def _status(status: str) -> TrackingStatus | None:
    if not status:
        return None
    name = status.strip().lower().removeprefix("tracking_status_")
    try:
        return TrackingStatus(name)
    except ValueError as e:
        allowed = ", ".join(s.value for s in TrackingStatus)
        raise InvalidArgument(
            f"unknown status {status!r}", [FieldError("status", f"one of {allowed}")]
        ) from e
