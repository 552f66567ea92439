"""Sales facts for head office: what one paid order adds to the daily read models.

Revenue is net: a paid order adds its total to the day it was paid; cancelling it with a
refund takes the same figures back out of that same day (region and store as at payment),
so a day's figures always equal its paid, not-refunded orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chainkit.errors import FieldError, InvalidArgument

GROUP_BY = ("store", "region", "province", "category", "product", "day")
DEFAULT_DAYS = 30
MAX_DAYS = 400
MAX_TOP = 100


@dataclass(frozen=True)
class SaleLine:
    sku: str
    name: str
    category: str
    qty: int
    amount: int


@dataclass(frozen=True)
class Sale:
    order_id: str
    day: date
    store_id: str
    region: str
    lines: tuple[SaleLine, ...]
    # The province shipped to (name), a till sale's store's; "" when unknown (an address or
    # a store without codes).
    province: str = ""


@dataclass(frozen=True)
class StoreDelta:
    day: date
    store_id: str
    region: str
    orders: int
    units: int
    revenue: int
    province: str = ""


@dataclass(frozen=True)
class LineDelta:
    day: date
    store_id: str
    region: str
    category: str
    sku: str
    name: str
    orders: int
    category_orders: int
    units: int
    revenue: int


def deltas(sale: Sale, sign: int) -> tuple[StoreDelta, list[LineDelta]]:
    """+1: the order was paid; -1: it was refunded."""
    store = StoreDelta(
        sale.day,
        sale.store_id,
        sale.region,
        sign,
        sign * sum(x.qty for x in sale.lines),
        sign * sum(x.amount for x in sale.lines),
        sale.province,
    )
    seen_categories: set[str] = set()
    lines = []
    for x in sale.lines:
        first_of_category = x.category not in seen_categories
        seen_categories.add(x.category)
        lines.append(
            LineDelta(
                sale.day,
                sale.store_id,
                sale.region,
                x.category,
                x.sku,
                x.name,
                orders=sign,
                category_orders=sign if first_of_category else 0,
                units=sign * x.qty,
                revenue=sign * x.amount,
            )
        )
    return store, lines


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date


def day_range(from_day: str, to_day: str, today: date) -> DayRange:
    """Both ends included; the last 30 days by default; a bad date names its field."""
    errors = []
    parsed: dict[str, date | None] = {}
    for name, text in (("from", from_day), ("to", to_day)):
        try:
            parsed[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors.append(FieldError(name, "must be a date YYYY-MM-DD"))
    if errors:
        raise InvalidArgument("invalid date range", errors)
    last = parsed["to"] or today
    first = parsed["from"] or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidArgument("invalid date range", [FieldError("from", "must not be after to")])
    if (last - first).days >= MAX_DAYS:
        raise InvalidArgument(
            "invalid date range", [FieldError("from", f"at most {MAX_DAYS} days at a time")]
        )
    return DayRange(first, last)
