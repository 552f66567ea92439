"""`python -m chainstore_dev.orders_data.loadgen --orders 1000000 --database-url URL`: a
realistic data set, fast.

Many stores in several regions, a year of dates, skewed (Zipf) product popularity, a mix of
online and till orders in every status, each with its lines, allocations and timeline, and
the sales read models exactly as the analytics consumer would have built them. Written by
`chainstore_dev.orders_data.bulkload` (SQLite: executemany without journal; PostgreSQL:
COPY), indexes built after the rows. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orders as orders_package
from chainkit.db import create_engine
from chainkit.migrations import upgrade_async
from chainstore_dev.orders_data.bulkload import writer_for
from chainstore_dev.orders_data.datagen import CHUNK, Rollups, World, generate
from orders.adapters.analytics_tables import (
    SALES_ATTRIBUTION,
    SALES_DAILY,
    SALES_MONTHLY,
    SALES_STORE_DAILY,
)
from orders.adapters.tables import ALLOCATION, LINE, ORDER, ORDER_EVENT, STORE

MIGRATIONS = Path(orders_package.__file__).resolve().parents[2] / "migrations"


TABLES = [ORDER, LINE, ALLOCATION, ORDER_EVENT, SALES_ATTRIBUTION]
ROLLUPS = [STORE, SALES_STORE_DAILY, SALES_DAILY, SALES_MONTHLY]


async def load(
    database_url: str,
    orders: int,
    *,
    stores: int = 300,
    skus: int = 2000,
    seed: int = 42,
    now: datetime | None = None,
) -> dict[str, float]:
    """Create the schema and `orders` orders (plus read models) over the year before `now`
    (default: a fixed day, so a seed always gives the same data); returns timings."""
    started = time.perf_counter()
    await upgrade_async(database_url, MIGRATIONS)
    now = now or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    world = World.make(seed, stores, skus, max(orders // 5, 100), now)
    rollups = Rollups()
    engine = create_engine(database_url)
    writer = writer_for(engine)
    try:
        await writer.start(TABLES + ROLLUPS)
        # The next batch is generated (in a thread) while the database takes this one.
        batches = generate(world, orders, rollups)
        pending: asyncio.Task[None] | None = None
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            if pending is not None:
                await pending
            parts = [batch.orders, batch.lines, batch.allocations, batch.events]
            parts.append(batch.attributions)
            pending = asyncio.create_task(writer.write(list(zip(TABLES, parts, strict=True))))
        if pending is not None:
            await pending
        for table, rows in zip(ROLLUPS, _rollup_rows(world, rollups), strict=True):
            for i in range(0, len(rows), CHUNK):
                await writer.write([(table, rows[i : i + CHUNK])])
        await writer.finish()
    finally:
        await engine.dispose()
    return {"seconds": time.perf_counter() - started, "orders": orders}


def _rollup_rows(world: World, rollups: Rollups) -> list[list[dict[str, Any]]]:
    """Stores, and the read models exactly as the analytics consumer would have built them."""
    stores = [
        {
            "store_id": s,
            "name": f"Store {s}",
            "region": r,
            "city": "City",
            "kind": "direct",
            "location_id": f"LOC-{s}",
            "payment_timeout_s": 1800,
            "auto_confirm": False,
            "share_stock_online": True,
            "allocation_strategy": "region_priority",
        }
        for s, r in world.stores
    ]
    store_daily = [
        {"day": d, "store_id": s, "region": r, "orders": o, "units": u, "revenue": v}
        for (d, s, r), (o, u, v) in rollups.store.items()
    ]
    daily = []
    monthly: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (d, s, r, c, k), (n, o, co, u, v) in rollups.lines.items():
        figures = {"orders": o, "category_orders": co, "units": u, "revenue": v}
        daily.append({"day": d, "store_id": s, "region": r, "category": c, "sku": k, "name": n})
        daily[-1] |= figures
        month = monthly.setdefault(
            (d.replace(day=1), r, c, k),
            {"month": d.replace(day=1), "region": r, "category": c, "sku": k, "name": n}
            | dict.fromkeys(figures, 0),
        )
        for name, value in figures.items():
            month[name] += value
    return [stores, store_daily, daily, list(monthly.values())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    took = asyncio.run(
        load(args.database_url, args.orders, stores=args.stores, skus=args.skus, seed=args.seed)
    )
    rate = args.orders / took["seconds"]
    print(f"loaded {args.orders} orders in {took['seconds']:.1f} s ({rate:.0f} orders/s)")


if __name__ == "__main__":
    main()
