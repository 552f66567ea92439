"""Head-office analytics: orders.* events → daily sales read models, and the queries.

Runs under chainkit's EventConsumer (durable "orders-analytics" on stream ORDERS): the
event id is recorded in the inbox at commit, so a redelivered event never counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chainkit.errors import FieldError, InvalidArgument, PermissionDenied, Retryable
from orders.domain.business_day import business_day
from orders.domain.order import Channel, OrderStatus
from orders.domain.sales import GROUP_BY, MAX_DAYS, MAX_TOP, Sale, day_range, deltas
from orders.service_layer.commands import CountSale, Scope
from orders.service_layer.deps import Deps
from orders.service_layer.ports import PeriodRow, ProductRow, SalesRow, UnitOfWork


async def _sale(uow: UnitOfWork, order: CountSale, chain_tz: ZoneInfo) -> Sale:
    """Counted on the business day of payment (the store's time zone), in the region and
    province shipped to; a till sale in the store's."""
    store = await uow.stores.get(order.store_id)
    region, province = order.region, order.province
    if not region:
        region = store.region if store else ""
    if order.channel == Channel.POS and store is not None:
        province = store.province
    zone = store.zone(chain_tz) if store else chain_tz
    return Sale(
        order_id=order.order_id,
        day=business_day(order.paid_at, zone),
        store_id=order.store_id,
        region=region,
        lines=order.lines,
        province=province,
    )


async def count_paid(uow: UnitOfWork, order: CountSale, chain_tz: ZoneInfo) -> None:
    async with uow:
        if await uow.sales.attribution(order.order_id) is None:
            sale = await _sale(uow, order, chain_tz)
            await uow.sales.attribute(sale)
            await uow.sales.apply(*deltas(sale, +1))
        await uow.commit()


async def count_cancelled(uow: UnitOfWork, order: CountSale, chain_tz: ZoneInfo) -> None:
    if not order.refunded:
        async with uow:
            await uow.commit()  # nothing was sold; record the event as handled
        return
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


@dataclass(frozen=True)
class Summary:
    orders_by_status: dict[OrderStatus, int]  # every status, in OrderStatus order
    revenue_today: int
    orders_today: int
    day: date


async def summary(deps: Deps, scope: Scope) -> Summary:
    store_id = _store_of(scope)
    async with deps.reader() as uow:
        today = await _today(deps, uow, store_id)
        counts = await uow.sales.status_counts(store_id)
        orders_today, revenue_today = await uow.sales.day_totals(today, store_id)
    return Summary(
        {status: counts.get(status.value, 0) for status in OrderStatus},
        revenue_today,
        orders_today,
        today,
    )


async def sales(
    deps: Deps, scope: Scope, from_day: str, to_day: str, group_by: str, region: str = ""
) -> list[SalesRow]:
    store_id = _store_of(scope)
    if group_by not in GROUP_BY:
        raise InvalidArgument(
            "invalid grouping", [FieldError("group_by", f"must be one of {', '.join(GROUP_BY)}")]
        )
    async with deps.reader() as uow:
        days = day_range(from_day, to_day, await _today(deps, uow, store_id))
        return await uow.sales.sales(days.first, days.last, group_by, store_id, region)


async def top_products(
    deps: Deps, scope: Scope, from_day: str, to_day: str, region: str, limit: int
) -> list[ProductRow]:
    store_id = _store_of(scope)
    if not 0 <= limit <= MAX_TOP:
        raise InvalidArgument("invalid limit", [FieldError("limit", f"between 1 and {MAX_TOP}")])
    async with deps.reader() as uow:
        days = day_range(from_day, to_day, await _today(deps, uow, store_id))
        return await uow.sales.top_products(days.first, days.last, region, store_id, limit or 10)


MAX_PERIOD = timedelta(days=MAX_DAYS)


async def period_figures(deps: Deps, scope: Scope, start: datetime, end: datetime) -> PeriodRow:
    """The orders placed in [start, end), read from the orders themselves: the caller picks
    the window (e.g. its own calendar day), and it counts orders placed, not sales paid."""
    store_id = _store_of(scope)
    if not start < end <= start + MAX_PERIOD:
        raise InvalidArgument(
            "invalid window",
            [FieldError("end", f"after start, at most {MAX_DAYS} days later")],
        )
    async with deps.reader() as uow:
        return await uow.sales.period_figures(start, end, store_id)
