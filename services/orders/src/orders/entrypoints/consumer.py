"""The orders side of logistics events: durable "orders-logistics" on stream LOGISTICS."""

from __future__ import annotations

from collections.abc import Callable

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.consumer import EventConsumer
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.service_layer.delivery import SHIPMENT_DELIVERED, handle_shipment_delivered

DURABLE = "orders-logistics"
STREAM = "LOGISTICS"


def logistics_consumer(
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    uow_factory: Callable[[], SqlOrdersUnitOfWork],
) -> EventConsumer[SqlOrdersUnitOfWork]:
    return EventConsumer(
        js,
        stream=STREAM,
        durable=DURABLE,
        handlers={SHIPMENT_DELIVERED: handle_shipment_delivered},
        uow_factory=uow_factory,
        sessions=sessions,
    )
