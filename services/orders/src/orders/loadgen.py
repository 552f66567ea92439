"""`python -m orders.loadgen --orders 1000000 --database-url URL`: a realistic data set, fast.

Many stores in several regions, a year of dates, skewed (Zipf) product popularity, a mix of
online and till orders in every status, each with its lines, allocations and timeline, and
the sales read models exactly as the analytics consumer would have built them. Written with
Core bulk inserts (PostgreSQL: COPY through asyncpg). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from chainkit.db import create_engine
from chainkit.migrations import upgrade_async
from orders.adapters.analytics_tables import SALES_ATTRIBUTION, SALES_DAILY, SALES_STORE_DAILY
from orders.adapters.tables import ALLOCATION, LINE, ORDER, ORDER_EVENT, STORE
from orders.datagen import CHUNK, Rollups, World, generate

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def _write(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        columns = list(rows[0])
        records = [tuple(r[c] for c in columns) for r in rows]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )
    else:
        await conn.execute(insert(table), rows)


async def load(
    database_url: str, orders: int, *, stores: int = 300, skus: int = 2000, seed: int = 42
) -> dict[str, float]:
    """Create the schema and `orders` orders (plus read models); returns timings."""
    started = time.perf_counter()
    await upgrade_async(database_url, MIGRATIONS)
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    world = World.make(seed, stores, skus, max(orders // 5, 100), now)
    rollups = Rollups()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await _write(
                conn,
                STORE,
                [
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
                ],
            )
        for batch in generate(world, orders, rollups):
            async with engine.begin() as conn:
                await _write(conn, ORDER, batch.orders)
                await _write(conn, LINE, batch.lines)
                await _write(conn, ALLOCATION, batch.allocations)
                await _write(conn, ORDER_EVENT, batch.events)
                await _write(conn, SALES_ATTRIBUTION, batch.attributions)
        async with engine.begin() as conn:
            await _write(
                conn,
                SALES_STORE_DAILY,
                [
                    {"day": d, "store_id": s, "region": r, "orders": o, "units": u, "revenue": v}
                    for (d, s, r), (o, u, v) in rollups.store.items()
                ],
            )
            line_rows = [
                {
                    "day": d,
                    "store_id": s,
                    "region": r,
                    "category": c,
                    "sku": k,
                    "name": n,
                    "orders": o,
                    "category_orders": co,
                    "units": u,
                    "revenue": v,
                }
                for (d, s, r, c, k), (n, o, co, u, v) in rollups.lines.items()
            ]
            for i in range(0, len(line_rows), CHUNK):
                await _write(conn, SALES_DAILY, line_rows[i : i + CHUNK])
            await conn.exec_driver_sql("ANALYZE")  # fresh statistics for the planner
    finally:
        await engine.dispose()
    return {"seconds": time.perf_counter() - started, "orders": orders}


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
