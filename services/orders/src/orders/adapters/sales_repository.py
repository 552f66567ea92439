"""The sales read models in SQL: additive upserts from events, grouped reads for head office."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Table,
    case,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.china.divisions import provinces
from chainkit.china.regions import region_of_province, region_or_as_is
from orders.adapters.analytics_tables import (
    SALES_ATTRIBUTION,
    SALES_DAILY,
    SALES_MONTHLY,
    SALES_PROVINCE_DAILY,
    SALES_STORE_DAILY,
)
from orders.adapters.order_rows import to_utc
from orders.adapters.tables import ORDER
from orders.domain.sales import LineDelta, Sale, StoreDelta
from orders.service_layer.ports import PeriodRow, ProductRow, SalesRow

STORE_KEYS = {"store": SALES_STORE_DAILY.c.store_id, "region": SALES_STORE_DAILY.c.region}
LINE_KEYS = {"category": "category", "product": "sku"}
LINE_FIGURES = ("category", "sku", "name", "orders", "category_orders", "units", "revenue")


class SqlSalesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _add(self, table: Table, keys: list[str], values: list[dict[str, Any]]) -> None:
        """INSERT … ON CONFLICT DO UPDATE adding the figures: no read-modify-write race."""
        dialect = self._session.get_bind().dialect.name
        insert_fn = sqlite.insert if dialect == "sqlite" else postgresql.insert
        for row in values:
            stmt = insert_fn(table).values(row)
            sums = {
                name: table.c[name] + stmt.excluded[name]
                for name in row
                if name not in keys and name != "name"
            }
            if "name" in row:
                sums["name"] = stmt.excluded["name"]
            await self._session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=sums))

    async def apply(self, store: StoreDelta, lines: list[LineDelta]) -> None:
        figures = {k: v for k, v in vars(store).items() if k not in ("region", "province")}
        by_region = {**figures, "region": store.region}
        await self._add(SALES_STORE_DAILY, ["day", "store_id", "region"], [by_region])
        by_province = {**figures, "province": store.province}
        await self._add(SALES_PROVINCE_DAILY, ["day", "store_id", "province"], [by_province])
        keys = ["day", "store_id", "region", "category", "sku"]
        await self._add(SALES_DAILY, keys, [vars(x) for x in lines])
        monthly = [
            {"month": x.day.replace(day=1)}
            | {k: v for k, v in vars(x).items() if k not in ("day", "store_id")}
            for x in lines
        ]
        await self._add(SALES_MONTHLY, ["month", "region", "category", "sku"], monthly)

    async def attribute(self, sale: Sale) -> None:
        await self._session.execute(
            insert(SALES_ATTRIBUTION).values(
                order_id=sale.order_id,
                day=sale.day,
                store_id=sale.store_id,
                region=sale.region,
                province=sale.province,
            )
        )

    async def attribution(self, order_id: str) -> tuple[date, str, str, bool, str] | None:
        row = (
            await self._session.execute(
                select(SALES_ATTRIBUTION).where(SALES_ATTRIBUTION.c.order_id == order_id)
            )
        ).first()
        return (row.day, row.store_id, row.region, row.refunded, row.province) if row else None

    async def mark_refunded(self, order_id: str) -> None:
        await self._session.execute(
            update(SALES_ATTRIBUTION)
            .where(SALES_ATTRIBUTION.c.order_id == order_id)
            .values(refunded=True)
        )

    async def sales(
        self, first: date, last: date, group_by: str, store_id: str, region: str = ""
    ) -> list[SalesRow]:
        region = region_or_as_is(region)  # rollups hold 华东; east still asks for it
        if group_by in LINE_KEYS:
            t: Any = _lines(first, last, store_id, region)
            key = t.c[LINE_KEYS[group_by]]
            orders = t.c.category_orders if group_by == "category" else t.c.orders
            where: list[ColumnElement[bool]] = []
        elif group_by == "province":
            t = SALES_PROVINCE_DAILY
            key, orders = t.c.province, t.c.orders
            where = _window(t, first, last, store_id)
            if region:  # the provinces of one sales region
                where.append(t.c.province.in_(province_names(region)))
        else:
            t = SALES_STORE_DAILY
            key = STORE_KEYS.get(group_by, t.c.day)
            orders = t.c.orders
            where = _window(t, first, last, store_id)
            if region:
                where.append(t.c.region == region)
        revenue = func.sum(t.c.revenue)
        stmt = (
            select(key, func.sum(orders), func.sum(t.c.units), revenue)
            .where(*where)
            .group_by(key)
            .order_by(key if group_by == "day" else revenue.desc())
        )
        rows = (await self._session.execute(stmt)).all()
        return [SalesRow(str(k), int(o), int(u), int(r)) for k, o, u, r in rows]

    async def top_products(
        self, first: date, last: date, region: str, store_id: str, limit: int
    ) -> list[ProductRow]:
        t = _lines(first, last, store_id, region_or_as_is(region))
        units, revenue = func.sum(t.c.units), func.sum(t.c.revenue)
        stmt = (
            select(
                t.c.sku,
                func.max(t.c.name),
                func.max(t.c.category),
                units,
                revenue,
                func.sum(t.c.orders),
            )
            .group_by(t.c.sku)
            .order_by(units.desc(), revenue.desc(), t.c.sku)
            .limit(limit)
        )
        rows = (await self._session.execute(stmt)).all()
        return [ProductRow(s, n, c, int(u), int(r), int(o)) for s, n, c, u, r, o in rows]

    async def day_totals(self, day: date, store_id: str) -> tuple[int, int]:
        t = SALES_STORE_DAILY
        stmt = select(func.sum(t.c.orders), func.sum(t.c.revenue)).where(
            *_window(t, day, day, store_id)
        )
        orders, revenue = (await self._session.execute(stmt)).one()
        return int(orders or 0), int(revenue or 0)

    async def period_figures(self, start: datetime, end: datetime, store_id: str) -> PeriodRow:
        """One range scan of the orders placed in [start, end) (ix_ord_order_created, or
        the store's own index): a day is a few thousand rows even at a million orders."""
        o = ORDER.c
        paid = o.paid_at.is_not(None)
        stmt = select(
            func.count(),
            func.sum(case((o.status == "cancelled", 1), else_=0)),
            func.sum(case((paid & (o.status != "cancelled"), 1), else_=0)),
            func.sum(case((paid, o.total - o.refunded_amount), else_=0)),
        ).where(o.created_at >= to_utc(start), o.created_at < to_utc(end))
        if store_id:
            stmt = stmt.where(o.store_id == store_id)
        orders, cancelled, paid_orders, revenue = (await self._session.execute(stmt)).one()
        return PeriodRow(int(orders), int(cancelled or 0), int(paid_orders or 0), int(revenue or 0))

    async def status_counts(self, store_id: str) -> dict[str, int]:
        stmt = select(ORDER.c.status, func.count()).group_by(ORDER.c.status)
        if store_id:
            stmt = stmt.where(ORDER.c.store_id == store_id)
        return {status: int(n) for status, n in (await self._session.execute(stmt)).all()}


def _window(t: Table, first: date, last: date, store_id: str) -> list[ColumnElement[bool]]:
    where = [t.c.day >= first, t.c.day <= last]
    if store_id:
        where.append(t.c.store_id == store_id)
    return where


def _lines(first: date, last: date, store_id: str, region: str) -> Subquery:
    """Line figures for [first, last]: a store's from its daily rows; chain-wide, the whole
    months inside the window from the monthly rows and only the days around them daily."""

    def daily(a: date, b: date) -> Select[Any]:
        where = _window(SALES_DAILY, a, b, store_id)
        if region:
            where.append(SALES_DAILY.c.region == region)
        return select(*(SALES_DAILY.c[c] for c in LINE_FIGURES)).where(*where)

    # Whole months inside the window: [months_from, months_to), both first days of a month.
    months_from = first if first.day == 1 else _next_month(first)
    months_to = (last + timedelta(days=1)).replace(day=1)
    if store_id or months_from >= months_to:
        return daily(first, last).subquery("lines")
    m = SALES_MONTHLY
    in_months = [m.c.month >= months_from, m.c.month < months_to]
    if region:
        in_months.append(m.c.region == region)
    parts = [select(*(m.c[c] for c in LINE_FIGURES)).where(*in_months)]
    if first < months_from:
        parts.append(daily(first, months_from - timedelta(days=1)))
    if months_to <= last:
        parts.append(daily(months_to, last))
    return union_all(*parts).subquery("lines")


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def province_names(region: str) -> list[str]:
    return [p.name for p in provinces() if region_of_province(p.code) == region]
