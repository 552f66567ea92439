from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import logistics as logistics_mapper
from gateway.adapters.mappers import orders as orders_mapper
from gateway.api.deps import CurrentUser, LogisticsDep, OrdersDep
from gateway.api.problems import documented
from gateway.schemas.logistics import OrderTracking, WaybillTracking

router = APIRouter(tags=["logistics"], responses=documented(404, 503))

WaybillNo = Annotated[str, Path(min_length=1, max_length=64)]
OrderRef = Annotated[str, Path(min_length=1, max_length=64, description="order_id or order_no")]


@router.get("/v1/tracking/{waybill_no}")
async def track_waybill(waybill_no: WaybillNo, logistics: LogisticsDep) -> WaybillTracking:
    """Public: anyone holding a waybill number may follow the parcel (no personal data)."""
    return logistics_mapper.waybill_out(
        await logistics.GetTracking(logistics_pb2.GetTrackingRequest(waybill_no=waybill_no))
    )


@router.get("/v1/orders/{order_ref}/tracking", tags=["orders"], responses=documented(401))
async def track_order(
    order_ref: OrderRef, user: CurrentUser, orders: OrdersDep, logistics: LogisticsDep
) -> OrderTracking:
    # The orders service decides whether the caller may see this order (404 if not).
    order = await orders.GetOrder(
        orders_pb2.GetOrderRequest(scope=orders_mapper.scope_of(user), order_ref=order_ref)
    )
    reply = await logistics.ListShipments(
        logistics_pb2.ListShipmentsRequest(order_id=order.order_id)
    )
    return OrderTracking(shipments=[logistics_mapper.order_shipment_out(s) for s in reply.items])
