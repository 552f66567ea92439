"""Orders: scope, idempotency, requests and the order body."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chainstore.common.v1 import common_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers.common import lookup, page_request, sku_qty, time_of, timestamp
from gateway.core.security import Principal
from gateway.schemas.orders import (
    AddressIn,
    AddressPublic,
    AllocationPublic,
    Channel,
    OrderCreate,
    OrderLinePublic,
    OrderPublic,
    OrderShipmentPublic,
    OrderStatus,
    PaymentPublic,
    TimelineEntryPublic,
)
from gateway.schemas.receipts import ReceiptPublic

CHANNELS: dict[orders_pb2.Channel.ValueType, Channel] = {
    orders_pb2.CHANNEL_ONLINE: "online",
    orders_pb2.CHANNEL_POS: "pos",
}
CHANNEL_VALUES: dict[Channel, orders_pb2.Channel.ValueType] = {
    name: value for value, name in CHANNELS.items()
}
# Orders placed before orders recorded their zone were numbered in the chain's default.
CHAIN_TIME_ZONE = "Asia/Shanghai"
STATUSES: dict[orders_pb2.OrderStatus.ValueType, OrderStatus] = {
    orders_pb2.ORDER_STATUS_PENDING_PAYMENT: "pending_payment",
    orders_pb2.ORDER_STATUS_PAID: "paid",
    orders_pb2.ORDER_STATUS_SHIPPED: "shipped",
    orders_pb2.ORDER_STATUS_COMPLETED: "completed",
    orders_pb2.ORDER_STATUS_CANCELLED: "cancelled",
}


def scope_of(user: Principal) -> orders_pb2.Scope:
    """What the caller may see: orders enforces it (outside the scope is NOT_FOUND)."""
    if user.role == "customer":
        return orders_pb2.Scope(customer_id=user.customer_id or "", actor=user.username)
    if user.role == "store":
        return orders_pb2.Scope(store_id=user.store_id or "", actor=user.username)
    return orders_pb2.Scope(actor=user.username)


def idempotency(key: str | None) -> orders_pb2.Idempotency | None:
    return orders_pb2.Idempotency(key=key) if key else None


def address(body: AddressIn) -> common_pb2.Address:
    result = common_pb2.Address(
        name=body.name,
        phone=body.phone,
        region=body.region or "",
        city=body.city or "",
        line1=body.line1,
        province_code=body.province_code or "",
        province=body.province,
        city_code=body.city_code or "",
        district_code=body.district_code or "",
        district=body.district,
        postcode=body.postcode or "",
    )
    if body.lat is not None and body.lon is not None:
        result.point.CopyFrom(common_pb2.GeoPoint(lat=body.lat, lon=body.lon))
    return result


def create_order_request(
    body: OrderCreate,
    *,
    store_id: str,
    customer_id: str,
    scope: orders_pb2.Scope,
    key: str | None,
) -> orders_pb2.CreateOrderRequest:
    request = orders_pb2.CreateOrderRequest(
        scope=scope,
        idempotency=idempotency(key),
        store_id=store_id,
        customer_id=customer_id,
        channel=CHANNEL_VALUES[body.channel],
        lines=sku_qty([(line.sku, line.qty) for line in body.lines]),
    )
    if body.shipping_address is not None:
        request.shipping_address.CopyFrom(address(body.shipping_address))
    if body.payment is not None:
        request.payment.CopyFrom(
            orders_pb2.Payment(
                method=body.payment.method,
                amount=body.payment.amount,
                reference=body.payment.reference,
            )
        )
    return request


def list_orders_request(
    scope: orders_pb2.Scope,
    *,
    status: str | None,
    store_id: str | None,
    customer_id: str | None,
    q: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
    limit: int,
    cursor: str | None,
) -> orders_pb2.ListOrdersRequest:
    request = orders_pb2.ListOrdersRequest(
        scope=scope,
        status=status or "",
        store_id=store_id or "",
        customer_id=customer_id or "",
        q=q or "",
        page=page_request(limit, cursor),
    )
    if created_from is not None:
        request.created_from.CopyFrom(timestamp(created_from))
    if created_to is not None:
        request.created_to.CopyFrom(timestamp(created_to))
    return request


def _address_out(order: orders_pb2.Order) -> AddressPublic | None:
    if not order.HasField("shipping_address"):
        return None
    a = order.shipping_address
    point = a.point if a.HasField("point") else None
    return AddressPublic(
        name=a.name,
        phone=a.phone,
        region=a.region,
        city=a.city,
        line1=a.line1,
        lat=point.lat if point is not None else None,
        lon=point.lon if point is not None else None,
        province_code=a.province_code,
        province=a.province,
        city_code=a.city_code,
        district_code=a.district_code,
        district=a.district,
        postcode=a.postcode,
    )


def _timeline_out(order: orders_pb2.Order) -> list[TimelineEntryPublic]:
    return [
        TimelineEntryPublic(
            at=time_of(e, "at"),
            status=lookup(STATUSES, e.status, "timeline status"),
            from_status=STATUSES.get(e.from_status),
            action=e.action,
            actor=e.actor,
            reason=e.reason,
        )
        for e in order.timeline
    ]


def _line_out(line: orders_pb2.OrderLine) -> OrderLinePublic:
    return OrderLinePublic(
        sku=line.sku,
        name=line.name,
        spec=line.spec,
        category=line.category,
        qty=line.qty,
        unit_price=line.unit_price,
        amount=line.amount,
    )


def receipt_out(r: orders_pb2.Receipt) -> ReceiptPublic:
    return ReceiptPublic(
        order_id=r.order_id,
        order_no=r.order_no,
        store_id=r.store_id,
        store_name=r.store_name,
        store_city=r.store_city,
        channel=lookup(CHANNELS, r.channel, "order channel"),
        status=lookup(STATUSES, r.status, "order status"),
        paid_at=time_of(r, "paid_at"),
        time_zone=r.time_zone,
        local_time=r.local_time,
        lines=[_line_out(line) for line in r.lines],
        units=r.units,
        total=r.total,
        currency=r.currency or "CNY",
        payment=PaymentPublic(
            method=r.payment.method, amount=r.payment.amount, reference=r.payment.reference
        ),
        refunded_amount=r.refunded_amount,
    )


def order_out(order: orders_pb2.Order) -> OrderPublic:
    payment = (
        PaymentPublic(
            method=order.payment.method,
            amount=order.payment.amount,
            reference=order.payment.reference,
        )
        if order.HasField("payment")
        else None
    )
    zone = order.time_zone or CHAIN_TIME_ZONE
    due = time_of(order, "payment_due_at")
    return OrderPublic(
        order_id=order.order_id,
        order_no=order.order_no,
        store_id=order.store_id,
        customer_id=order.customer_id or None,
        channel=lookup(CHANNELS, order.channel, "order channel"),
        status=lookup(STATUSES, order.status, "order status"),
        lines=[_line_out(line) for line in order.lines],
        total=order.total,
        currency=order.currency or "CNY",
        shipping_address=_address_out(order),
        allocations=[
            AllocationPublic(location_id=a.location_id, sku=a.sku, qty=a.qty, reason=a.reason)
            for a in order.allocations
        ],
        payment_due_at=time_of(order, "payment_due_at"),
        created_at=time_of(order, "created_at"),
        paid_at=time_of(order, "paid_at"),
        confirmed_at=time_of(order, "confirmed_at"),
        shipped_at=time_of(order, "shipped_at"),
        completed_at=time_of(order, "completed_at"),
        cancelled_at=time_of(order, "cancelled_at"),
        cancel_reason=order.cancel_reason or None,
        payment=payment,
        shipments=[
            OrderShipmentPublic(
                shipment_id=s.shipment_id,
                location_id=s.location_id,
                carrier=s.carrier,
                waybill_no=s.waybill_no,
                delivered=s.delivered,
            )
            for s in order.shipments
        ],
        timeline=_timeline_out(order),
        time_zone=zone,
        payment_due_local=due.astimezone(ZoneInfo(zone)) if due else None,
    )
