"""Migration 0007 on data stored before it: old English regions become sales regions,
shipping addresses gain empty code columns, and the way down gives the old values back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from chainkit.migrations import downgrade, upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


async def test_existing_regions_are_migrated_to_sales_regions(tmp_path: Path) -> None:
    file = tmp_path / "orders.db"
    url = f"sqlite+aiosqlite:///{file}"
    await asyncio.to_thread(upgrade, url, MIGRATIONS, "0006")
    with sqlite3.connect(file) as db:
        for store_id, region in (("S1", "east"), ("S2", "north"), ("S3", "west"), ("S4", "华南")):
            db.execute(
                "INSERT INTO ord_store (store_id, name, region, city, kind, location_id,"
                " payment_timeout_s, auto_confirm, share_stock_online, allocation_strategy)"
                " VALUES (?, 'x', ?, 'c', 'direct', 'L', 1800, 0, 1, 'region_priority')",
                (store_id, region),
            )
        db.execute(
            "INSERT INTO ord_sales_attribution (order_id, day, store_id, region, refunded)"
            " VALUES ('o1', '2026-12-01', 'S1', 'northeast', 0)"
        )
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    with sqlite3.connect(file) as db:
        stores = dict(db.execute("SELECT store_id, region FROM ord_store").fetchall())
        assert stores == {"S1": "华东", "S2": "华北", "S3": "西南", "S4": "华南"}
        assert db.execute("SELECT region FROM ord_sales_attribution").fetchone() == ("东北",)
        columns = {row[1] for row in db.execute("PRAGMA table_info(ord_order)")}
        assert {"ship_province_code", "ship_district", "ship_postcode"} <= columns
    await asyncio.to_thread(downgrade, url, MIGRATIONS, "0006")
    with sqlite3.connect(file) as db:
        stores = dict(db.execute("SELECT store_id, region FROM ord_store").fetchall())
        assert stores == {"S1": "east", "S2": "north", "S3": "southwest", "S4": "south"}


async def test_two_old_regions_that_become_one_add_up_in_the_sales_read_models(
    tmp_path: Path,
) -> None:
    """west and southwest are both 西南: rows that would share a key are summed, not lost."""
    file = tmp_path / "orders.db"
    url = f"sqlite+aiosqlite:///{file}"
    await asyncio.to_thread(upgrade, url, MIGRATIONS, "0006")
    with sqlite3.connect(file) as db:
        for region, n in (("west", 1), ("southwest", 10), ("east", 100)):
            db.execute(
                "INSERT INTO ord_sales_store_daily (day, store_id, region, orders, units,"
                " revenue) VALUES ('2026-12-01', 'S1', ?, ?, ?, ?)",
                (region, n, 2 * n, 300 * n),
            )
            db.execute(
                "INSERT INTO ord_sales_daily (day, store_id, region, category, sku, name,"
                " orders, category_orders, units, revenue)"
                " VALUES ('2026-12-01', 'S1', ?, 'tea', 'T1', 'Tea', ?, ?, ?, ?)",
                (region, n, n, 2 * n, 300 * n),
            )
            db.execute(
                "INSERT INTO ord_sales_monthly (month, region, category, sku, name, orders,"
                " category_orders, units, revenue)"
                " VALUES ('2026-12-01', ?, 'tea', 'T1', 'Tea', ?, ?, ?, ?)",
                (region, n, n, 2 * n, 300 * n),
            )
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    with sqlite3.connect(file) as db:
        for table in ("ord_sales_store_daily", "ord_sales_daily", "ord_sales_monthly"):
            rows = dict(
                (region, (orders, units, revenue))
                for region, orders, units, revenue in db.execute(
                    f"SELECT region, orders, units, revenue FROM {table}"
                )
            )
            assert rows == {"西南": (11, 22, 3300), "华东": (100, 200, 30000)}, table
