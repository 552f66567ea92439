"""What head office's dashboard shows, fetched with the API's clients and the hq scope.

Figures come from the same orders analytics RPCs as /v1/analytics (the Scope says whose):
the sales read models (by the chain's business day) for the charts, and GetPeriodFigures
over Asia/Shanghai calendar days for "today against yesterday" (orders placed that day).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from chainkit.clock import utcnow
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.grpc_clients import OrdersClient
from gateway.adapters.mappers import orders as mapper
from gateway.console.i18n import SHANGHAI
from gateway.core.security import Principal

DEFAULT_DAYS = 7
MAX_DAYS = 366
TOP_STORES = 15
TOP_PRODUCTS = 10
HEAT_CATEGORIES = 12


def shanghai_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def day_window(day: date) -> tuple[datetime, datetime]:
    """[00:00, 24:00) of a calendar day in Asia/Shanghai."""
    start = datetime.combine(day, time(), SHANGHAI)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class DayFigures:
    """The orders placed on one day (as they stand now)."""

    day: date
    orders: int = 0
    cancelled: int = 0
    paid_orders: int = 0
    revenue: int = 0

    @property
    def average(self) -> int | None:
        """Average paid order value in fen, rounded; None without a paid order."""
        if not self.paid_orders:
            return None
        return (self.revenue + self.paid_orders // 2) // self.paid_orders

    @property
    def cancel_rate(self) -> float | None:
        """Share of the day's orders cancelled, 0..1; None without an order."""
        return self.cancelled / self.orders if self.orders else None


async def day_figures(orders: OrdersClient, user: Principal, day: date) -> DayFigures:
    start, end = day_window(day)
    request = orders_pb2.GetPeriodFiguresRequest(scope=mapper.scope_of(user))
    request.start.FromDatetime(start)
    request.end.FromDatetime(end)
    reply = await orders.GetPeriodFigures(request)
    return DayFigures(day, reply.orders, reply.cancelled, reply.paid_orders, reply.paid_revenue)


@dataclass(frozen=True)
class Comparison:
    """One card: today's value beside yesterday's and the change between them."""

    key: str  # orders | revenue | average | cancel_rate
    today: int | float | None
    yesterday: int | float | None
    # True when a rise is good news (a rising cancellation rate is not).
    rise_is_good: bool = True

    @property
    def change(self) -> float | None:
        """Relative change (0.125 = +12.5 %), or for a rate the difference in points."""
        if self.today is None or self.yesterday is None:
            return None
        if self.key == "cancel_rate":
            return (self.today - self.yesterday) * 100
        if not self.yesterday:
            return None
        return (self.today - self.yesterday) / self.yesterday

    @property
    def trend(self) -> str:
        """up / down / flat, for the arrow; `good` / `bad` come from `tone`."""
        change = self.change
        if change is None or abs(change) < 1e-9:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def tone(self) -> str:
        if self.trend == "flat":
            return "flat"
        return "good" if (self.trend == "up") == self.rise_is_good else "bad"


def compare(today: DayFigures, yesterday: DayFigures) -> list[Comparison]:
    return [
        Comparison("orders", today.orders, yesterday.orders),
        Comparison("revenue", today.revenue, yesterday.revenue),
        Comparison("average", today.average, yesterday.average),
        Comparison("cancel_rate", today.cancel_rate, yesterday.cancel_rate, rise_is_good=False),
    ]


@dataclass
class Today:
    today: DayFigures
    yesterday: DayFigures
    cards: list[Comparison]


async def today_view(orders: OrdersClient, user: Principal, now: datetime | None = None) -> Today:
    day = shanghai_today(now)
    today, yesterday = await asyncio.gather(
        day_figures(orders, user, day), day_figures(orders, user, day - timedelta(days=1))
    )
    return Today(today, yesterday, compare(today, yesterday))


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def last_days(today: date, n: int) -> DayRange:
    return DayRange(today - timedelta(days=n - 1), today)


def default_range(today: date) -> DayRange:
    return last_days(today, DEFAULT_DAYS)


def parse_range(day_from: str, day_to: str, today: date) -> tuple[DayRange, bool]:
    """The chosen days, or the last 7 days when none or a bad range was given (True then
    means "say the choice was ignored")."""
    if not day_from and not day_to:
        return default_range(today), False
    try:
        last = date.fromisoformat(day_to) if day_to else today
        first = date.fromisoformat(day_from) if day_from else last - timedelta(DEFAULT_DAYS - 1)
    except ValueError:
        return default_range(today), True
    if first > last or (last - first).days >= MAX_DAYS:
        return default_range(today), True
    return DayRange(first, last), False


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    orders: int
    units: int
    revenue: int


@dataclass
class Demand:
    """Revenue by region and category, and each region's strongest category."""

    regions: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    # cells[(region index, category index)] = revenue in fen
    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    # (region, category, revenue, share of the region's revenue 0..1), strongest region first
    leaders: list[tuple[str, str, int, float]] = field(default_factory=list)

    def cell(self, i: int, j: int) -> int:
        return self.cells.get((i, j), 0)

    def shade(self, i: int, j: int) -> float:
        """0..1: the cell's revenue against the largest cell (the heat map's colour)."""
        top = max(self.cells.values(), default=0)
        return self.cell(i, j) / top if top else 0.0


@dataclass
class SalesView:
    range: DayRange
    by_day: list[Row]
    by_store: list[Row]
    stores_total: int
    by_region: list[Row]
    by_category: list[Row]
    top_products: list[orders_pb2.ProductSales]
    demand: Demand

    @property
    def empty(self) -> bool:
        return not any(r.revenue for r in self.by_day)


def _rows(reply: orders_pb2.SalesResponse, names: dict[str, str] | None = None) -> list[Row]:
    return [
        Row(r.key, (names or {}).get(r.key) or r.key, r.orders, r.units, r.revenue)
        for r in reply.rows
    ]


def fill_days(rows: list[Row], days: DayRange) -> list[Row]:
    """Every day of the range, oldest first; days without a sale are zero."""
    known = {r.key: r for r in rows}
    out = []
    for n in range(days.days):
        key = (days.first + timedelta(days=n)).isoformat()
        out.append(known.get(key) or Row(key, key, 0, 0, 0))
    return out


def chain_categories(per_region: list[orders_pb2.SalesResponse]) -> list[Row]:
    """The chain's categories as the sum of every region's: exact, since each sale counts
    in exactly one region (and one query fewer than asking for them)."""
    totals: dict[str, list[int]] = {}
    for reply in per_region:
        for r in reply.rows:
            figures = totals.setdefault(r.key, [0, 0, 0])
            figures[0] += r.orders
            figures[1] += r.units
            figures[2] += r.revenue
    rows = [Row(key, key, o, u, v) for key, (o, u, v) in totals.items()]
    return sorted(rows, key=lambda r: (-r.revenue, r.key))


def demand_of(
    regions: list[Row], categories: list[Row], per_region: list[orders_pb2.SalesResponse]
) -> Demand:
    """The heat map's cells (the chain's top categories as columns) and, per region, the
    category it buys most of (over all its categories, not only the columns)."""
    demand = Demand(
        regions=[r.key for r in regions],
        categories=[c.key for c in categories[:HEAT_CATEGORIES]],
    )
    column = {c: j for j, c in enumerate(demand.categories)}
    for i, (region, reply) in enumerate(zip(regions, per_region, strict=True)):
        for row in reply.rows:
            if row.key in column:
                demand.cells[(i, column[row.key])] = row.revenue
        best = max(reply.rows, key=lambda r: (r.revenue, r.key), default=None)
        if best is not None and region.revenue > 0:
            share = best.revenue / region.revenue
            demand.leaders.append((region.key, best.key, best.revenue, share))
    return demand


async def sales_view(orders: OrdersClient, user: Principal, days: DayRange) -> SalesView:
    scope = mapper.scope_of(user)

    def sales(group_by: str, region: str = "") -> orders_pb2.GetSalesRequest:
        return orders_pb2.GetSalesRequest(
            scope=scope,
            from_day=days.first.isoformat(),
            to_day=days.last.isoformat(),
            group_by=group_by,
            region=region,
        )

    top_request = orders_pb2.GetTopProductsRequest(
        scope=scope,
        from_day=days.first.isoformat(),
        to_day=days.last.isoformat(),
        limit=TOP_PRODUCTS,
    )

    async def demand() -> tuple[list[Row], list[orders_pb2.SalesResponse]]:
        """The regions, then each region's categories (all at once, as soon as known)."""
        regions = _rows(await orders.GetSales(sales("region")))
        replies = await asyncio.gather(
            *(orders.GetSales(sales("category", r.key)) for r in regions)
        )
        return regions, list(replies)

    by_day, by_store, top, stores, (regions, per_region) = await asyncio.gather(
        orders.GetSales(sales("day")),
        orders.GetSales(sales("store")),
        orders.GetTopProducts(top_request),
        orders.ListStores(orders_pb2.ListStoresRequest()),
        demand(),
    )
    categories = chain_categories(per_region)
    store_rows = _rows(by_store, {s.store_id: s.name for s in stores.items})
    return SalesView(
        range=days,
        by_day=fill_days(_rows(by_day), days),
        by_store=store_rows[:TOP_STORES],
        stores_total=len(store_rows),
        by_region=regions,
        by_category=categories,
        top_products=list(top.items),
        demand=demand_of(regions, categories, per_region),
    )


def chart_specs(view: SalesView) -> dict[str, dict[str, object]]:
    """What each chart draws (dashboard.js turns a spec into ECharts options); fen throughout."""
    return {
        "day": {
            "kind": "line",
            "labels": [r.key for r in view.by_day],
            "values": [r.revenue for r in view.by_day],
            "orders": [r.orders for r in view.by_day],
        },
        "store": {
            "kind": "hbar",
            "labels": [r.label for r in view.by_store],
            "values": [r.revenue for r in view.by_store],
        },
        "region": {
            "kind": "bar",
            "labels": [r.label for r in view.by_region],
            "values": [r.revenue for r in view.by_region],
        },
        "category": {
            "kind": "bar",
            "labels": [r.label for r in view.by_category],
            "values": [r.revenue for r in view.by_category],
        },
    }
