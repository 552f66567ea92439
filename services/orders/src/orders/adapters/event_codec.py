"""Our domain events as the outbox carries them: an EventEnvelope around orders/v1 events,
each holding the order as it stands after the change."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from google.protobuf.message import Message

from chainkit.events import envelope
from chainkit.outgoing import OutgoingEvent
from chainstore.orders.v1 import events_pb2, orders_pb2
from orders.adapters.order_messages import published_order_pb
from orders.domain.events import (
    OrderAddressChanged,
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderCreated,
    OrderEvent,
    OrderPaid,
    OrderShipped,
)
from orders.domain.order import Order

SOURCE = "orders"

_PAYLOADS: dict[type[OrderEvent], Callable[[OrderEvent, orders_pb2.Order], Message]] = {
    OrderCreated: lambda _e, v: events_pb2.OrderCreated(order=v),
    OrderPaid: lambda _e, v: events_pb2.OrderPaid(order=v),
    OrderConfirmed: lambda _e, v: events_pb2.OrderConfirmed(order=v),
    OrderShipped: lambda _e, v: events_pb2.OrderShipped(order=v),
    OrderCompleted: lambda _e, v: events_pb2.OrderCompleted(order=v),
    OrderCancelled: lambda e, v: events_pb2.OrderCancelled(
        order=v, refunded=isinstance(e, OrderCancelled) and e.refunded
    ),
    OrderAddressChanged: lambda _e, v: events_pb2.OrderAddressChanged(order=v),
}


def encode(
    order: Order, events: Sequence[OrderEvent], causation_id: str = ""
) -> list[OutgoingEvent]:
    if not events:
        return []  # nothing to say: no message to build
    view = published_order_pb(order)
    return [
        envelope(
            event.type,
            _PAYLOADS[type(event)](event, view),
            source=SOURCE,
            store_id=order.store_id,
            causation_id=causation_id,
        )
        for event in events
    ]
