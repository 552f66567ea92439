"""Consumers: logistics events (durable "orders-logistics" on LOGISTICS) and our own
orders events feeding the sales read models (durable "orders-analytics" on ORDERS)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.consumer import EventConsumer
from chainstore.common.v1.common_pb2 import EventEnvelope
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.domain.events import OrderCancelled, OrderPaid
from orders.entrypoints import translate_events as t
from orders.service_layer import analytics, delivery

SHIPMENT_DELIVERED = "logistics.shipment_delivered"

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
        handlers={SHIPMENT_DELIVERED: _shipment_delivered},
        uow_factory=uow_factory,
        sessions=sessions,
    )


ANALYTICS_DURABLE = "orders-analytics"
ANALYTICS_STREAM = "ORDERS"


def analytics_consumer(
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    uow_factory: Callable[[], SqlOrdersUnitOfWork],
    business_tz: ZoneInfo,
) -> EventConsumer[SqlOrdersUnitOfWork]:
    """Sales are counted on the business day of payment in `business_tz` (or the store's)."""
    return EventConsumer(
        js,
        stream=ANALYTICS_STREAM,
        durable=ANALYTICS_DURABLE,
        handlers={
            OrderPaid.type: paid_handler(business_tz),
            OrderCancelled.type: cancelled_handler(business_tz),
        },
        uow_factory=uow_factory,
        sessions=sessions,
    )


async def _shipment_delivered(uow: SqlOrdersUnitOfWork, env: EventEnvelope) -> None:
    await delivery.shipment_delivered(uow, t.shipment_delivered(env))


Handler = Callable[[SqlOrdersUnitOfWork, EventEnvelope], Awaitable[None]]


def paid_handler(business_tz: ZoneInfo) -> Handler:
    async def handle(uow: SqlOrdersUnitOfWork, env: EventEnvelope) -> None:
        await analytics.count_paid(uow, t.order_paid(env), business_tz)

    return handle


def cancelled_handler(business_tz: ZoneInfo) -> Handler:
    async def handle(uow: SqlOrdersUnitOfWork, env: EventEnvelope) -> None:
        await analytics.count_cancelled(uow, t.order_cancelled(env), business_tz)

    return handle
