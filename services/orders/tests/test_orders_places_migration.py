"""Migration 0009 on data stored before it, on SQLite and PostgreSQL: stores get codes from
a recognisable city, order lines a spec column, and the sales already counted move to the
province (shipped to, or a till sale's store's) and the business day they belong to."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chainkit.db import create_engine
from chainkit.migrations import downgrade, upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
D = date

store_t = sa.table(
    "ord_store",
    *(sa.column(c) for c in ("store_id", "name", "region", "city", "kind", "location_id")),
    *(sa.column(c) for c in ("payment_timeout_s", "auto_confirm", "share_stock_online")),
    *(sa.column(c) for c in ("allocation_strategy", "time_zone")),
)
order_t = sa.table(
    "ord_order",
    *(sa.column(c) for c in ("order_id", "order_no", "store_id", "customer_id", "channel")),
    *(sa.column(c) for c in ("status", "total", "currency", "ship_region", "ship_province")),
    *(sa.column(c) for c in ("refunded_amount", "cancel_reason", "release_pending", "version")),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("paid_at", sa.DateTime(timezone=True)),
)
# The NOT NULL columns an order row of 0008 needs beside its own values.
ORDER_DEFAULTS = {"refunded_amount": 0, "cancel_reason": "", "release_pending": False, "version": 0}
line_t = sa.table(
    "ord_order_line",
    *(sa.column(c) for c in ("order_id", "line_no", "sku", "name", "category", "qty")),
    *(sa.column(c) for c in ("unit_price", "amount", "weight_g")),
)
attribution_t = sa.table(
    "ord_sales_attribution",
    sa.column("order_id"),
    sa.column("day", sa.Date),
    *(sa.column(c) for c in ("store_id", "region", "refunded", "province")),
)
FIGURES = ("orders", "units", "revenue")
LINE_FIGURES = ("orders", "category_orders", "units", "revenue")
READ_MODELS = {
    "ord_sales_store_daily": (("day", "store_id", "region"), FIGURES),
    "ord_sales_province_daily": (("day", "store_id", "province"), FIGURES),
    "ord_sales_daily": (("day", "store_id", "region", "category", "sku"), LINE_FIGURES),
    "ord_sales_monthly": (("month", "region", "category", "sku"), LINE_FIGURES),
}


def _model(name: str) -> sa.TableClause:
    keys, figures = READ_MODELS[name]
    columns = [sa.column(k, sa.Date if k in ("day", "month") else sa.String) for k in keys]
    extra = [sa.column("name")] if "sku" in keys else []
    return sa.table(name, *columns, *(sa.column(f) for f in figures), *extra)


LINES = [("TEA-1", "Green Tea", "drinks", 2, 2400), ("PEN-1", "Red Pen", "office", 1, 500)]
# order_id: (channel, ship_province, paid_at UTC, counted day, counted province, refunded)
ORDERS: dict[str, tuple[str, str | None, datetime, date, str, bool]] = {
    # A till sale at 01:00 in Shanghai, counted on its UTC day and under "".
    "o-pos-late": ("pos", None, datetime(2026, 12, 1, 17, 0), D(2026, 12, 1), "", False),
    # A till sale at 02:00 on 1 December in Shanghai: its UTC day is in November.
    "o-pos-month": ("pos", None, datetime(2026, 11, 30, 18, 0), D(2026, 11, 30), "", False),
    # Shipped to 浙江省, paid in the Shanghai morning: same day either way, province "".
    "o-web-early": ("online", "浙江省", datetime(2026, 12, 1, 3, 0), D(2026, 12, 1), "", False),
    # Counted since business days and provinces: already where it belongs.
    "o-web-new": (
        "online",
        "浙江省",
        datetime(2026, 11, 30, 20, 0),
        D(2026, 12, 1),
        "浙江省",
        False,
    ),
    # An address without codes, paid 00:30 Shanghai, then refunded: only its record moves.
    "o-web-refunded": ("online", None, datetime(2026, 11, 30, 16, 30), D(2026, 11, 30), "", True),
}
# Where each order belongs: (business day, province).
EXPECTED = {
    "o-pos-late": (D(2026, 12, 2), "上海市"),
    "o-pos-month": (D(2026, 12, 1), "上海市"),
    "o-web-early": (D(2026, 12, 1), "浙江省"),
    "o-web-new": (D(2026, 12, 1), "浙江省"),
    "o-web-refunded": (D(2026, 12, 1), ""),
}


def _counted(placed: dict[str, tuple[date, str]]) -> dict[str, dict[tuple[Any, ...], list[int]]]:
    """The read models as the live code fills them for the non-refunded orders placed so."""
    tables: dict[str, dict[tuple[Any, ...], list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0, 0, 0])
    )
    for order_id, (day, province) in placed.items():
        if ORDERS[order_id][5]:
            continue
        whole = [1, sum(x[3] for x in LINES), sum(x[4] for x in LINES)]
        for name, key in (
            ("ord_sales_store_daily", (day, "S1", "华东")),
            ("ord_sales_province_daily", (day, "S1", province)),
        ):
            tables[name][key] = [a + b for a, b in zip(tables[name][key], whole, strict=False)]
        for sku, _, category, qty, amount in LINES:
            for name, key in (
                ("ord_sales_daily", (day, "S1", "华东", category, sku)),
                ("ord_sales_monthly", (day.replace(day=1), "华东", category, sku)),
            ):
                add = [1, 1, qty, amount]
                tables[name][key] = [a + b for a, b in zip(tables[name][key], add, strict=True)]
    return {
        name: {k: v[: len(READ_MODELS[name][1])] for k, v in t.items()}
        for name, t in tables.items()
    }


async def _seed(conn: sa.ext.asyncio.AsyncConnection) -> None:
    stores = [
        ("S1", "华东", "Shanghai", ""),
        ("S2", "华北", "北京市", "Asia/Shanghai"),
        ("S3", "华南", "上海", ""),  # the city is in 华东: left without codes
        ("S4", "西南", "Gotham", ""),
    ]
    for store_id, region, city, tz in stores:
        await conn.execute(
            store_t.insert().values(
                store_id=store_id,
                name=store_id,
                region=region,
                city=city,
                kind="direct",
                location_id="L",
                payment_timeout_s=1800,
                auto_confirm=False,
                share_stock_online=True,
                allocation_strategy="region_priority",
                time_zone=tz,
            )
        )
    for i, (order_id, (channel, province, paid, day, counted_in, refunded)) in enumerate(
        ORDERS.items()
    ):
        paid_at = paid.replace(tzinfo=UTC)
        await conn.execute(
            order_t.insert().values(
                **ORDER_DEFAULTS,
                order_id=order_id,
                order_no=f"N{i}",
                store_id="S1",
                customer_id="C",
                channel=channel,
                status="cancelled" if refunded else "completed",
                total=2900,
                currency="CNY",
                ship_region=None if channel == "pos" else "华东",
                ship_province=province,
                created_at=paid_at,
                paid_at=paid_at,
            )
        )
        for n, (sku, name, category, qty, amount) in enumerate(LINES):
            await conn.execute(
                line_t.insert().values(
                    order_id=order_id,
                    line_no=n,
                    sku=sku,
                    name=name,
                    category=category,
                    qty=qty,
                    unit_price=amount // qty,
                    amount=amount,
                    weight_g=10,
                )
            )
        await conn.execute(
            attribution_t.insert().values(
                order_id=order_id,
                day=day,
                store_id="S1",
                region="华东",
                refunded=refunded,
                province=counted_in,
            )
        )
    before = {o: (v[3], v[4]) for o, v in ORDERS.items()}
    for name, rows in _counted(before).items():
        keys, figures = READ_MODELS[name]
        t = _model(name)
        for key, values in rows.items():
            row = dict(zip(keys, key, strict=True)) | dict(zip(figures, values, strict=True))
            if "sku" in keys:
                row["name"] = "x"
            await conn.execute(t.insert().values(row))


async def _read_models(conn: sa.ext.asyncio.AsyncConnection) -> dict[str, Any]:
    out = {}
    for name, (keys, figures) in READ_MODELS.items():
        t = _model(name)
        rows = (await conn.execute(sa.select(t))).mappings().all()
        out[name] = {
            tuple(r[k] for k in keys): [int(r[f]) for f in figures]
            for r in rows
            if any(r[f] for f in figures)
        }
    return out


async def test_0009_moves_counted_sales_and_places_stores(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS, "0008")
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await _seed(conn)
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    async with engine.connect() as conn:
        stores = {
            r.store_id: (r.region, r.city, r.province_code, r.province, r.city_code)
            for r in await conn.execute(sa.text("SELECT * FROM ord_store"))
        }
        attributions = {
            r.order_id: (r.day, r.province)
            for r in (await conn.execute(sa.select(attribution_t))).all()
        }
        models = await _read_models(conn)
        specs = (await conn.execute(sa.text("SELECT DISTINCT spec FROM ord_order_line"))).all()
        numbers = (await conn.execute(sa.text("SELECT order_no FROM ord_order"))).all()
    assert stores == {
        "S1": ("华东", "Shanghai", "310000", "上海市", "310100"),
        "S2": ("华北", "北京市", "110000", "北京市", "110100"),
        "S3": ("华南", "上海", "", "", ""),
        "S4": ("西南", "Gotham", "", "", ""),
    }
    assert attributions == EXPECTED
    assert models == _counted(EXPECTED)
    assert [tuple(r) for r in specs] == [("",)]
    assert sorted(r[0] for r in numbers) == [f"N{i}" for i in range(len(ORDERS))]

    await asyncio.to_thread(downgrade, database_url, MIGRATIONS, "0008")
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {x["name"] for x in sa.inspect(c).get_columns("ord_store")}
        )
        assert await _read_models(conn) == models  # the figures stay where they now belong
    await engine.dispose()
    assert "province_code" not in columns


async def test_0009_uses_the_order_zone_then_the_store_zone(database_url: str) -> None:
    """A store in Asia/Urumqi (UTC+6): 17:00 UTC is 23:00 there, the same day, so the sale
    stays; 19:00 UTC is the next day there."""
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS, "0008")
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            store_t.insert().values(
                store_id="S1",
                name="x",
                region="西北",
                city="乌鲁木齐",
                kind="direct",
                location_id="L",
                payment_timeout_s=1800,
                auto_confirm=False,
                share_stock_online=True,
                allocation_strategy="region_priority",
                time_zone="Asia/Urumqi",
            )
        )
        for order_id, hour in (("stays", 17), ("moves", 19)):
            paid_at = datetime(2026, 12, 1, hour, tzinfo=UTC)
            await conn.execute(
                order_t.insert().values(
                    **ORDER_DEFAULTS,
                    order_id=order_id,
                    order_no=order_id,
                    store_id="S1",
                    customer_id="C",
                    channel="pos",
                    status="completed",
                    total=0,
                    currency="CNY",
                    created_at=paid_at,
                    paid_at=paid_at,
                )
            )
            await conn.execute(
                attribution_t.insert().values(
                    order_id=order_id,
                    day=D(2026, 12, 1),
                    store_id="S1",
                    region="西北",
                    refunded=False,
                    province="",
                )
            )
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(attribution_t))).all()
    await engine.dispose()
    assert {r.order_id: (r.day, r.province) for r in rows} == {
        "stays": (D(2026, 12, 1), "新疆维吾尔自治区"),
        "moves": (D(2026, 12, 2), "新疆维吾尔自治区"),
    }
