"""Stores placed by GB/T 2260 code, the specification (规格) on order lines, and the sales
already counted moved to where and when they belong.

- `ord_store` gains province/city/district codes and names. A store whose free-text city
  names one prefecture-level city ("Shanghai", "上海", "杭州市") gets that city's codes, when
  its province is in the store's sales region; any other store keeps empty codes.
- `ord_order_line` gains `spec` ("" for lines ordered before).
- Sales counted under province "" (all of them before 0008, and till sales since) move to
  the province shipped to, or for a till sale the store's; online orders whose address had
  no codes stay "" (unknown).
- Sales counted on the UTC day of payment (before business days, 0005) move to the business
  day of payment: the order's time zone, else the store's, else ORDERS_BUSINESS_TZ
  (Asia/Shanghai). A sale whose counted day is its UTC day but not its business day was
  counted the old way; one counted since already sits on its business day. Order numbers
  (ord_counter) are never touched.

The moves work order by order from `ord_sales_attribution`, the orders and their lines,
then add the differences into the daily, province and monthly tables with the same
statements on SQLite and PostgreSQL. On the way down the columns go; the moved figures stay
where they are (still correct for the code of 0008).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from chainkit.china.places import city_named, located

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_COLUMNS = (
    ("province_code", 6),
    ("province", 64),
    ("city_code", 6),
    ("district_code", 6),
    ("district", 64),
)
BATCH = 2000
Key = tuple[Any, ...]
Figures = dict[str, int]

attribution = sa.table(
    "ord_sales_attribution",
    sa.column("order_id", sa.String),
    sa.column("day", sa.Date),
    sa.column("store_id", sa.String),
    sa.column("region", sa.String),
    sa.column("refunded", sa.Boolean),
    sa.column("province", sa.String),
)
order = sa.table(
    "ord_order",
    sa.column("order_id", sa.String),
    sa.column("channel", sa.String),
    sa.column("paid_at", sa.DateTime(timezone=True)),
    sa.column("time_zone", sa.String),
    sa.column("ship_province", sa.String),
)
line = sa.table(
    "ord_order_line",
    sa.column("order_id", sa.String),
    sa.column("line_no", sa.Integer),
    sa.column("sku", sa.String),
    sa.column("name", sa.String),
    sa.column("category", sa.String),
    sa.column("qty", sa.BigInteger),
    sa.column("amount", sa.BigInteger),
)
store = sa.table(
    "ord_store",
    sa.column("store_id", sa.String),
    sa.column("region", sa.String),
    sa.column("city", sa.String),
    sa.column("time_zone", sa.String),
    *(sa.column(name, sa.String) for name, _ in PLACE_COLUMNS),
)


def upgrade() -> None:
    with op.batch_alter_table("ord_store") as batch:
        for name, length in PLACE_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
    with op.batch_alter_table("ord_order_line") as batch:
        batch.add_column(sa.Column("spec", sa.String(100), nullable=False, server_default=""))
    conn = op.get_bind()
    _place_stores(conn)
    _move_counted_sales(conn)


def downgrade() -> None:
    with op.batch_alter_table("ord_order_line") as batch:
        batch.drop_column("spec")
    with op.batch_alter_table("ord_store") as batch:
        for name, _ in reversed(PLACE_COLUMNS):
            batch.drop_column(name)


def _place_stores(conn: sa.Connection) -> None:
    for row in conn.execute(sa.select(store.c.store_id, store.c.region, store.c.city)).all():
        place = city_named(row.city)
        if place is None or row.region not in ("", place.region):
            continue  # no single city by that name, or one outside the store's region
        where = located(place, row.city)
        values = {name: getattr(where, name) for name, _ in PLACE_COLUMNS}
        conn.execute(
            store.update()
            .where(store.c.store_id == row.store_id)
            .values(region=where.region, **values)
        )


class Moves:
    """Figures to take out of one bucket and add into another, summed per bucket."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Key, Figures]] = defaultdict(lambda: defaultdict(Figures))
        self.names: dict[Key, str] = {}

    def add(self, table: str, key: Key, sign: int, **figures: int) -> None:
        bucket = self.tables[table][key]
        for name, value in figures.items():
            bucket[name] = bucket.get(name, 0) + sign * value


def _read_model(name: str, keys: Sequence[str], line_figures: bool) -> sa.TableClause:
    dates = ("day", "month")
    columns = [sa.column(k, sa.Date if k in dates else sa.String) for k in keys]
    figures = ["orders", "units", "revenue"] + (["category_orders"] if line_figures else [])
    columns += [sa.column(f, sa.BigInteger) for f in figures]
    return sa.table(name, *columns, *([sa.column("name", sa.String)] if line_figures else []))


TABLES = {
    "ord_sales_store_daily": ("day", "store_id", "region"),
    "ord_sales_province_daily": ("day", "store_id", "province"),
    "ord_sales_daily": ("day", "store_id", "region", "category", "sku"),
    "ord_sales_monthly": ("month", "region", "category", "sku"),
}
READ_MODELS = {name: _read_model(name, keys, "sku" in keys) for name, keys in TABLES.items()}


def _move_counted_sales(conn: sa.Connection) -> None:
    chain_tz = os.environ.get("ORDERS_BUSINESS_TZ", "") or "Asia/Shanghai"
    stores = {
        r.store_id: (r.province, r.time_zone)
        for r in conn.execute(sa.select(store.c.store_id, store.c.province, store.c.time_zone))
    }
    counted = (
        sa.select(
            attribution,
            order.c.channel,
            order.c.paid_at,
            order.c.time_zone.label("order_tz"),
            order.c.ship_province,
        )
        .join(order, order.c.order_id == attribution.c.order_id)
        .where(order.c.paid_at.is_not(None))
        .order_by(attribution.c.order_id)
    )
    moves = Moves()
    changed: list[dict[str, Any]] = []
    pending: list[tuple[Any, date, str]] = []
    for row in conn.execute(counted):
        store_province, store_tz = stores.get(row.store_id, ("", ""))
        province = row.province
        if not province:
            province = store_province if row.channel == "pos" else row.ship_province or ""
        paid_at = row.paid_at if row.paid_at.tzinfo else row.paid_at.replace(tzinfo=UTC)
        day = row.day
        if day == paid_at.astimezone(UTC).date():
            zone = ZoneInfo(row.order_tz or store_tz or chain_tz)
            day = paid_at.astimezone(zone).date()
        if (day, province) == (row.day, row.province):
            continue
        changed.append({"id": row.order_id, "new_day": day, "new_province": province})
        if not row.refunded:  # a refunded sale was taken back out of the same buckets
            pending.append((row, day, province))
        if len(pending) >= BATCH:
            _collect(conn, pending, moves)
            pending = []
    _collect(conn, pending, moves)
    _apply(conn, moves)
    if changed:
        conn.execute(
            attribution.update()
            .where(attribution.c.order_id == sa.bindparam("id"))
            .values(day=sa.bindparam("new_day"), province=sa.bindparam("new_province")),
            changed,
        )


def _collect(conn: sa.Connection, pending: list[tuple[Any, date, str]], moves: Moves) -> None:
    """What each sale added (the same figures as orders.domain.sales.deltas) out of its old
    buckets and into its new ones."""
    if not pending:
        return
    ids = [row.order_id for row, _, _ in pending]
    lines: dict[str, list[Any]] = defaultdict(list)
    stmt = sa.select(line).where(line.c.order_id.in_(ids)).order_by(line.c.line_no)
    for x in conn.execute(stmt):
        lines[x.order_id].append(x)
    for row, day, province in pending:
        sale = lines[row.order_id]
        whole = {"orders": 1, "units": sum(x.qty for x in sale)}
        whole["revenue"] = sum(x.amount for x in sale)
        for sign, d, p in ((-1, row.day, row.province), (1, day, province)):
            moves.add("ord_sales_province_daily", (d, row.store_id, p), sign, **whole)
            if day == row.day:
                continue
            moves.add("ord_sales_store_daily", (d, row.store_id, row.region), sign, **whole)
            for x, first in _first_of_category(sale):
                figures = {"orders": 1, "category_orders": int(first), "units": x.qty}
                figures["revenue"] = x.amount
                daily = (d, row.store_id, row.region, x.category, x.sku)
                monthly = (d.replace(day=1), row.region, x.category, x.sku)
                moves.add("ord_sales_daily", daily, sign, **figures)
                moves.add("ord_sales_monthly", monthly, sign, **figures)
                moves.names[daily] = moves.names[monthly] = x.name


def _first_of_category(lines: Iterable[Any]) -> list[tuple[Any, bool]]:
    seen: set[str] = set()
    out = []
    for x in lines:
        out.append((x, x.category not in seen))
        seen.add(x.category)
    return out


def _apply(conn: sa.Connection, moves: Moves) -> None:
    """Each bucket's net difference: added to its row, or a new row; a row left at zero
    (every sale it held moved away) is dropped."""
    for name, buckets in moves.tables.items():
        t = READ_MODELS[name]
        keys = TABLES[name]
        for key, figures in buckets.items():
            if not any(figures.values()):
                continue
            match = [t.c[k] == v for k, v in zip(keys, key, strict=True)]
            added = {f: t.c[f] + v for f, v in figures.items()}
            done = conn.execute(t.update().where(*match).values(added)).rowcount
            if done == 0 and min(figures.values()) >= 0:  # never a row of negative figures
                row = dict(zip(keys, key, strict=True)) | figures
                if "name" in t.c:
                    row["name"] = moves.names[key]
                conn.execute(t.insert().values(row))
            conn.execute(t.delete().where(*match, *(t.c[f] == 0 for f in figures)))
