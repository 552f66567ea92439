from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from chainstore.logistics.v1 import logistics_pb2
from gateway.adapters.mappers import logistics as mapper
from gateway.adapters.mappers.common import next_cursor, page_request
from gateway.api.deps import CursorQuery, LimitQuery, LogisticsDep, StaffUser
from gateway.api.problems import documented
from gateway.schemas.common import Page
from gateway.schemas.logistics import CancelShipmentIn, ShipmentPublic, TrackingStatus

router = APIRouter(
    prefix="/v1/shipments", tags=["logistics"], responses=documented(401, 403, 422, 503)
)


@router.get("")
async def list_shipments(
    user: StaffUser,
    logistics: LogisticsDep,
    status: TrackingStatus | None = None,
    stalled: bool = False,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[ShipmentPublic]:
    """Head office sees every store's shipments; store staff only their own store's."""
    if user.role == "store":
        if store_id and store_id != user.store_id:
            return Page(items=[])
        store_id = user.store_id
    reply = await logistics.ListShipments(
        logistics_pb2.ListShipmentsRequest(
            store_id=store_id or "",
            status=status or "",
            stalled_only=stalled,
            page=page_request(limit, cursor),
        )
    )
    return Page(
        items=[mapper.shipment_out(s) for s in reply.items], next_cursor=next_cursor(reply.page)
    )


@router.post("/{shipment_id}/cancel", responses=documented(404, 409))
async def cancel_shipment(
    shipment_id: Annotated[str, Path(min_length=1, max_length=64)],
    user: StaffUser,
    logistics: LogisticsDep,
    body: CancelShipmentIn | None = None,
) -> ShipmentPublic:
    """Cancel before the carrier picks the parcel up (409 after); the carrier is told.
    Naturally idempotent: cancelling a cancelled shipment answers it again. Store staff
    may cancel only their own store's shipments (another store's is 404)."""
    reply = await logistics.CancelShipment(
        logistics_pb2.CancelShipmentRequest(
            shipment_id=shipment_id,
            reason=body.reason if body else "",
            store_id=(user.store_id or "") if user.role == "store" else "",
        )
    )
    return mapper.shipment_out(reply)
