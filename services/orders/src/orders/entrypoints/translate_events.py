"""Events we consume (EventEnvelope) → commands. Translation only."""

from __future__ import annotations

from datetime import UTC

from chainkit import events
from chainkit.clock import utcnow
from chainstore.common.v1.common_pb2 import EventEnvelope
from chainstore.logistics.v1 import events_pb2 as logistics_events
from chainstore.orders.v1 import events_pb2, orders_pb2
from orders.domain.order import Channel
from orders.domain.sales import SaleLine
from orders.service_layer import commands as c


def shipment_delivered(env: EventEnvelope) -> c.ShipmentDelivered:
    shipment = events.unpack(env, logistics_events.ShipmentDelivered).shipment
    at = env.occurred_at.ToDatetime(tzinfo=UTC) if env.HasField("occurred_at") else utcnow()
    return c.ShipmentDelivered(env.event_id, shipment.order_id, shipment.shipment_id, at)


def order_paid(env: EventEnvelope) -> c.CountSale:
    return _count_sale(events.unpack(env, events_pb2.OrderPaid).order, refunded=False)


def order_cancelled(env: EventEnvelope) -> c.CountSale:
    msg = events.unpack(env, events_pb2.OrderCancelled)
    return _count_sale(msg.order, refunded=msg.refunded)


def _count_sale(order: orders_pb2.Order, *, refunded: bool) -> c.CountSale:
    shipped_to = order.shipping_address if order.HasField("shipping_address") else None
    return c.CountSale(
        order_id=order.order_id,
        store_id=order.store_id,
        channel=Channel.POS if order.channel == orders_pb2.CHANNEL_POS else Channel.ONLINE,
        paid_at=order.paid_at.ToDatetime(tzinfo=UTC),
        region=shipped_to.region if shipped_to else "",
        province=shipped_to.province if shipped_to else "",
        lines=tuple(SaleLine(x.sku, x.name, x.category, x.qty, x.amount) for x in order.lines),
        refunded=refunded,
    )
