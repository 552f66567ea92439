"""Head-office analytics: orders.* events → daily sales read models, and the queries.

Runs under chainkit's EventConsumer (durable "orders-analytics" on stream ORDERS): the
event id is recorded in the inbox at commit, so a redelivered event never counts twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chainkit import events
from chainkit.errors import FieldError, InvalidArgument, PermissionDenied, Retryable
from chainstore.common.v1.common_pb2 import EventEnvelope
from chainstore.orders.v1 import events_pb2, orders_pb2
from orders.domain.business_day import business_day
from orders.domain.lines import CURRENCY
from orders.domain.sales import GROUP_BY, MAX_DAYS, MAX_TOP, Sale, SaleLine, day_range, deltas
from orders.service_layer.commands import Scope
from orders.service_layer.deps import Deps
from orders.service_layer.ports import UnitOfWork
from orders.service_layer.views import STATUS_BY_VALUE

ORDER_PAID = "orders.paid"
ORDER_CANCELLED = "orders.cancelled"


Handler = Callable[[UnitOfWork, EventEnvelope], Awaitable[None]]


async def _sale(uow: UnitOfWork, order: orders_pb2.Order, chain_tz: ZoneInfo) -> Sale:
    """Counted on the business day of payment (the store's time zone), in the region and
    province shipped to; a till sale in the store's."""
    store = await uow.stores.get(order.store_id)
    region = order.shipping_address.region if order.HasField("shipping_address") else ""
    province = order.shipping_address.province if order.HasField("shipping_address") else ""
    if not region:
        region = store.region if store else ""
    if order.channel == orders_pb2.CHANNEL_POS and store is not None:
        province = store.province
    zone = store.zone(chain_tz) if store else chain_tz
    return Sale(
        order_id=order.order_id,
        day=business_day(order.paid_at.ToDatetime(tzinfo=UTC), zone),
        store_id=order.store_id,
        region=region,
        lines=tuple(SaleLine(x.sku, x.name, x.category, x.qty, x.amount) for x in order.lines),
        province=province,
    )


def paid_handler(chain_tz: ZoneInfo) -> Handler:
    async def handle(uow: UnitOfWork, env: EventEnvelope) -> None:
        await handle_order_paid(uow, env, chain_tz)

    return handle


def cancelled_handler(chain_tz: ZoneInfo) -> Handler:
    async def handle(uow: UnitOfWork, env: EventEnvelope) -> None:
        await handle_order_cancelled(uow, env, chain_tz)

    return handle


async def handle_order_paid(uow: UnitOfWork, env: EventEnvelope, chain_tz: ZoneInfo) -> None:
    order = events.unpack(env, events_pb2.OrderPaid).order
    async with uow:
        if await uow.sales.attribution(order.order_id) is None:
            sale = await _sale(uow, order, chain_tz)
            await uow.sales.attribute(sale)
            await uow.sales.apply(*deltas(sale, +1))
        await uow.commit()


async def handle_order_cancelled(uow: UnitOfWork, env: EventEnvelope, chain_tz: ZoneInfo) -> None:
    msg = events.unpack(env, events_pb2.OrderCancelled)
    if not msg.refunded:
        async with uow:
            await uow.commit()  # nothing was sold; record the event as handled
        return
    order = msg.order
    async with uow:
        counted = await uow.sales.attribution(order.order_id)
        if counted is None:
            # The paid event has not been applied yet (redelivered out of order): later.
            raise Retryable(f"order {order.order_id} refunded before its payment was counted")
        day, store_id, region, refunded, province = counted
        if not refunded:
            sale = await _sale(uow, order, chain_tz)
            sale = Sale(sale.order_id, day, store_id, region, sale.lines, province)
            await uow.sales.apply(*deltas(sale, -1))
            await uow.sales.mark_refunded(order.order_id)
        await uow.commit()


def _store_of(scope: Scope) -> str:
    if scope.customer_id:
        raise PermissionDenied("analytics are for stores and head office")
    return scope.store_id


async def _today(deps: Deps, uow: UnitOfWork, store_id: str) -> date:
    """Today as a business day: the chain's, or a store's own when it overrides the zone."""
    store = await uow.stores.get(store_id) if store_id else None
    return business_day(deps.clock(), store.zone(deps.business_tz) if store else deps.business_tz)


async def summary(deps: Deps, scope: Scope) -> orders_pb2.AnalyticsSummary:
    store_id = _store_of(scope)
    async with deps.reader() as uow:
        today = await _today(deps, uow, store_id)
        counts = await uow.sales.status_counts(store_id)
        orders_today, revenue_today = await uow.sales.day_totals(today, store_id)
    return orders_pb2.AnalyticsSummary(
        orders_by_status=[
            orders_pb2.StatusCount(status=proto, count=counts.get(value, 0))
            for value, proto in STATUS_BY_VALUE.items()
        ],
        revenue_today=revenue_today,
        orders_today=orders_today,
        currency=CURRENCY,
        day=today.isoformat(),
    )


async def sales(
    deps: Deps, scope: Scope, from_day: str, to_day: str, group_by: str, region: str = ""
) -> orders_pb2.SalesResponse:
    store_id = _store_of(scope)
    if group_by not in GROUP_BY:
        raise InvalidArgument(
            "invalid grouping", [FieldError("group_by", f"must be one of {', '.join(GROUP_BY)}")]
        )
    async with deps.reader() as uow:
        days = day_range(from_day, to_day, await _today(deps, uow, store_id))
        rows = await uow.sales.sales(days.first, days.last, group_by, store_id, region)
    return orders_pb2.SalesResponse(
        rows=[
            orders_pb2.SalesRow(key=r.key, orders=r.orders, units=r.units, revenue=r.revenue)
            for r in rows
        ],
        currency=CURRENCY,
    )


async def top_products(
    deps: Deps, scope: Scope, from_day: str, to_day: str, region: str, limit: int
) -> orders_pb2.TopProductsResponse:
    store_id = _store_of(scope)
    if not 0 <= limit <= MAX_TOP:
        raise InvalidArgument("invalid limit", [FieldError("limit", f"between 1 and {MAX_TOP}")])
    async with deps.reader() as uow:
        days = day_range(from_day, to_day, await _today(deps, uow, store_id))
        rows = await uow.sales.top_products(days.first, days.last, region, store_id, limit or 10)
    return orders_pb2.TopProductsResponse(
        items=[
            orders_pb2.ProductSales(
                sku=r.sku,
                name=r.name,
                category=r.category,
                units=r.units,
                revenue=r.revenue,
                orders=r.orders,
            )
            for r in rows
        ],
        currency=CURRENCY,
    )


MAX_PERIOD = timedelta(days=MAX_DAYS)


async def period_figures(
    deps: Deps, scope: Scope, start: datetime, end: datetime
) -> orders_pb2.PeriodFigures:
    """The orders placed in [start, end), read from the orders themselves: the caller picks
    the window (e.g. its own calendar day), and it counts orders placed, not sales paid."""
    store_id = _store_of(scope)
    if not start < end <= start + MAX_PERIOD:
        raise InvalidArgument(
            "invalid window",
            [FieldError("end", f"after start, at most {MAX_DAYS} days later")],
        )
    async with deps.reader() as uow:
        row = await uow.sales.period_figures(start, end, store_id)
    return orders_pb2.PeriodFigures(
        orders=row.orders,
        cancelled=row.cancelled,
        paid_orders=row.paid_orders,
        paid_revenue=row.paid_revenue,
        currency=CURRENCY,
    )
