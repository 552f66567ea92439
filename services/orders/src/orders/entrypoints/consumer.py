"""Consumers: logistics events (durable "orders-logistics" on LOGISTICS) and our own
orders events feeding the sales read models (durable "orders-analytics" on ORDERS)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.consumer import EventConsumer
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.service_layer.analytics import (
    ORDER_CANCELLED,
    ORDER_PAID,
    cancelled_handler,
    paid_handler,
)
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
            ORDER_PAID: paid_handler(business_tz),
            ORDER_CANCELLED: cancelled_handler(business_tz),
        },
        uow_factory=uow_factory,
        sessions=sessions,
    )
