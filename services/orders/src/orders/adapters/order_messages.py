"""Orders and stores as the contract shows them (orders/v1 messages)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from chainstore.orders.v1 import orders_pb2
from orders.adapters.address_pb import address_pb
from orders.domain.lines import OrderLine
from orders.domain.order import Channel, Order, OrderStatus, Payment
from orders.domain.receipt import Receipt
from orders.domain.store import Store, StoreKind

STATUS_TO_PROTO = {
    OrderStatus.PENDING_PAYMENT: orders_pb2.ORDER_STATUS_PENDING_PAYMENT,
    OrderStatus.PAID: orders_pb2.ORDER_STATUS_PAID,
    OrderStatus.SHIPPED: orders_pb2.ORDER_STATUS_SHIPPED,
    OrderStatus.COMPLETED: orders_pb2.ORDER_STATUS_COMPLETED,
    OrderStatus.CANCELLED: orders_pb2.ORDER_STATUS_CANCELLED,
}
CHANNEL_TO_PROTO = {
    Channel.ONLINE: orders_pb2.CHANNEL_ONLINE,
    Channel.POS: orders_pb2.CHANNEL_POS,
}
KIND_TO_PROTO = {
    StoreKind.DIRECT: orders_pb2.STORE_KIND_DIRECT,
    StoreKind.FRANCHISE: orders_pb2.STORE_KIND_FRANCHISE,
}


def timestamp(dt: datetime | None) -> Timestamp | None:
    if dt is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(dt if dt.tzinfo else dt.replace(tzinfo=UTC))
    return ts


def store_pb(store: Store) -> orders_pb2.Store:
    return orders_pb2.Store(
        store_id=store.store_id,
        name=store.name,
        region=store.region,
        city=store.city,
        kind=KIND_TO_PROTO[store.kind],
        location_id=store.location_id,
        payment_timeout_s=store.payment_timeout_s,
        auto_confirm=store.auto_confirm,
        share_stock_online=store.share_stock_online,
        allocation_strategy=store.allocation_strategy,
        preferred_carrier=store.preferred_carrier,
        service_level=store.service_level,
        time_zone=store.time_zone,
        province_code=store.province_code,
        province=store.province,
        city_code=store.city_code,
        district_code=store.district_code,
        district=store.district,
    )


STATUS_BY_VALUE = {s.value: p for s, p in STATUS_TO_PROTO.items()}


def timeline_pb(order: Order) -> list[orders_pb2.TimelineEntry]:
    return [
        orders_pb2.TimelineEntry(
            at=timestamp(e.at),
            status=STATUS_BY_VALUE.get(e.status, orders_pb2.ORDER_STATUS_UNSPECIFIED),
            from_status=STATUS_BY_VALUE.get(e.from_status, orders_pb2.ORDER_STATUS_UNSPECIFIED),
            actor=e.actor,
            reason=e.reason,
            action=e.action.value,
        )
        for e in order.timeline
    ]


def _line_pb(line: OrderLine) -> orders_pb2.OrderLine:
    return orders_pb2.OrderLine(
        sku=line.sku,
        name=line.name,
        category=line.category,
        qty=line.qty,
        unit_price=line.unit_price,
        amount=line.amount,
        weight_g=line.weight_g,
        spec=line.spec,
    )


def _payment_pb(payment: Payment) -> orders_pb2.Payment:
    return orders_pb2.Payment(
        method=payment.method, amount=payment.amount, reference=payment.reference
    )


def receipt_pb(receipt: Receipt) -> orders_pb2.Receipt:
    return orders_pb2.Receipt(
        order_id=receipt.order_id,
        order_no=receipt.order_no,
        store_id=receipt.store_id,
        store_name=receipt.store_name,
        store_city=receipt.store_city,
        channel=CHANNEL_TO_PROTO[Channel(receipt.channel)],
        status=STATUS_TO_PROTO[OrderStatus(receipt.status)],
        paid_at=timestamp(receipt.paid_at),
        time_zone=receipt.time_zone,
        local_time=receipt.local_time,
        lines=[_line_pb(line) for line in receipt.lines],
        total=receipt.total,
        currency=receipt.currency,
        payment=_payment_pb(receipt.payment),
        refunded_amount=receipt.refunded_amount,
        units=receipt.units,
    )


# The message built for each order object a change published (at its version): its events,
# its stored replay and the answer share one build (placement's hot path). Only publishing
# keeps one, so look-ups neither fill it nor push placements out; the oldest goes first, and
# there is room for every order in flight at once.
_built: dict[int, tuple[Order, int, orders_pb2.Order]] = {}
KEEP_BUILT = 2048


def order_pb(order: Order) -> orders_pb2.Order:
    """The order as orders/v1 has it; the one its publishing built when there is one. Treat
    as read-only: the same message may answer several callers."""
    kept = _built.get(id(order))
    if kept is not None and kept[0] is order and kept[1] == order.version:
        return kept[2]
    return _build_order_pb(order)


def published_order_pb(order: Order) -> orders_pb2.Order:
    """`order_pb`, kept for the rest of the change (the stored replay and the answer)."""
    kept = _built.get(id(order))
    if kept is not None and kept[0] is order and kept[1] == order.version:
        return kept[2]
    if len(_built) >= KEEP_BUILT:
        del _built[next(iter(_built))]
    view = _build_order_pb(order)
    _built[id(order)] = (order, order.version, view)
    return view


def _build_order_pb(order: Order) -> orders_pb2.Order:
    address = order.shipping_address
    view = orders_pb2.Order(
        order_id=order.order_id,
        order_no=order.order_no,
        store_id=order.store_id,
        customer_id=order.customer_id,
        channel=CHANNEL_TO_PROTO[order.channel],
        status=STATUS_TO_PROTO[order.status],
        lines=[_line_pb(line) for line in order.lines],
        total=order.total,
        currency=order.currency,
        allocations=[
            orders_pb2.OrderAllocation(
                location_id=a.location_id, sku=a.sku, qty=a.qty, reason=a.reason
            )
            for a in order.allocations
        ],
        payment_due_at=timestamp(order.payment_due_at),
        created_at=timestamp(order.created_at),
        paid_at=timestamp(order.paid_at),
        shipped_at=timestamp(order.shipped_at),
        completed_at=timestamp(order.completed_at),
        cancelled_at=timestamp(order.cancelled_at),
        cancel_reason=order.cancel_reason,
        confirmed_at=timestamp(order.confirmed_at),
        shipments=[
            orders_pb2.OrderShipment(
                shipment_id=s.shipment_id,
                location_id=s.location_id,
                carrier=s.carrier,
                waybill_no=s.waybill_no,
                delivered=s.delivered,
            )
            for s in order.shipments
        ],
        timeline=timeline_pb(order),
        time_zone=order.time_zone,
    )
    if address is not None:
        view.shipping_address.CopyFrom(address_pb(address))
    if order.payment is not None:
        view.payment.CopyFrom(_payment_pb(order.payment))
    return view
