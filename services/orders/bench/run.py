"""Orders bench: "my orders" look-ups at 10k, 100k and 1M orders, and analytics at 1M.

Loads each size with `orders.loadgen` (SQLite; PostgreSQL too when reachable), then times
the common queries through the real use cases and unit of work, one client at a time,
beside a same-run baseline (`SELECT 1` through the same unit of work). Prints p50/p99 per
size and the 1M/10k p99 ratio (target <= 1.5). Environment:
- ORDERS_BENCH_SIZES (default 10000,100000,1000000) on SQLite;
- ORDERS_BENCH_PG_SIZES (default 10000,100000: 1M through COPY takes minutes here);
- ORDERS_BENCH_REQUESTS (default 300 per look-up; a tenth of that per analytics query).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text

from chainkit.benchkit import Result, drive, median_of, report
from chainkit.db import create_engine, session_factory
from orders.adapters.tables import ORDER
from orders.entrypoints.bootstrap import bootstrap
from orders.loadgen import load
from orders.service_layer import analytics
from orders.service_layer import commands as c
from orders.service_layer.ports import Deps, PageKey
from orders.service_layer.queries import encode_cursor, get_order, list_orders

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REQUESTS = int(os.environ.get("ORDERS_BENCH_REQUESTS", "300"))
# One client: SQLite runs every transaction under BEGIN IMMEDIATE (chainkit.db), so concurrent
# readers would measure lock queueing, not the query plan this bench is about.
CONCURRENCY = 1
Op = Callable[[int], Awaitable[object]]


def sizes(name: str, default: str) -> list[int]:
    return [int(x) for x in os.environ.get(name, default).split(",") if x]


async def samples(deps: Deps, engine: Any) -> dict[str, list[Any]]:
    """Real keys to ask for: customers, stores, order numbers, deep positions."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    ORDER.c.customer_id,
                    ORDER.c.store_id,
                    ORDER.c.order_no,
                    ORDER.c.created_at,
                    ORDER.c.order_id,
                )
                .order_by(text("random()"))
                .limit(500)
            )
        ).all()
    return {
        "customer": [r.customer_id for r in rows],
        "store": [r.store_id for r in rows],
        "order_no": [r.order_no for r in rows],
        "deep": [(r.store_id, r.created_at, r.order_id) for r in rows],
    }


def lookups(deps: Deps, keys: dict[str, list[Any]]) -> dict[str, Op]:
    hq = c.Scope(actor="hq")
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def pick(name: str, i: int) -> Any:
        return keys[name][i % len(keys[name])]

    async def by_customer(i: int) -> object:
        who = pick("customer", i)
        return await list_orders(deps, c.ListOrders(scope=c.Scope(customer_id=who), limit=20))

    async def by_store_status(i: int) -> object:
        scope = c.Scope(store_id=pick("store", i))
        return await list_orders(deps, c.ListOrders(scope=scope, status="shipped", limit=20))

    async def by_date_range(i: int) -> object:
        start = now - timedelta(days=1 + i % 300)
        query = c.ListOrders(scope=hq, created_from=start, created_to=start + timedelta(days=7))
        return await list_orders(deps, query)

    async def by_order_no(i: int) -> object:
        return await get_order(deps, hq, pick("order_no", i))

    async def deep_page(i: int) -> object:
        store, created, order_id = pick("deep", i)
        at = created if created.tzinfo else created.replace(tzinfo=UTC)
        cursor = encode_cursor(PageKey(at, order_id))
        return await list_orders(deps, c.ListOrders(scope=c.Scope(store_id=store), cursor=cursor))

    return {
        "my orders: by customer, first page": by_customer,
        "store + status (shipped), first page": by_store_status,
        "date range (7 days), first page": by_date_range,
        "by order number": by_order_no,
        "store orders, deep cursor page": deep_page,
    }


def analytics_ops(deps: Deps) -> dict[str, Op]:
    hq = c.Scope()
    year = ("2025-11-28", "2026-11-27")

    async def summary(i: int) -> object:
        return await analytics.summary(deps, c.Scope(store_id="S0001") if i % 2 else hq)

    def sales(group: str) -> Op:
        async def op(i: int) -> object:
            return await analytics.sales(deps, hq, *year, group)

        return op

    async def top(i: int) -> object:
        return await analytics.top_products(deps, hq, *year, "east" if i % 2 else "", 10)

    ops: dict[str, Op] = {"analytics: summary": summary, "analytics: top products, a year": top}
    ops |= {
        f"analytics: sales by {g}, a year": sales(g)
        for g in ("store", "region", "day", "category", "product")
    }
    return ops


async def measure(name: str, op: Op, requests: int) -> Result:
    runs = [await drive(name, op, requests=requests, concurrency=CONCURRENCY) for _ in range(3)]
    return median_of(runs)


async def bench_size(url: str, size: int, with_analytics: bool) -> dict[str, Result]:
    took = await load(url, size)
    print(f"\nloaded {size} orders in {took['seconds']:.1f} s")
    engine = create_engine(url)
    try:
        app = bootstrap(session_factory(engine), inventory=Any, logistics=Any)  # type: ignore[arg-type]
        deps = app.deps
        keys = await samples(deps, engine)

        async def baseline_op(i: int) -> object:
            async with deps.uow() as uow:
                return await uow.session.execute(text("SELECT 1"))  # type: ignore[attr-defined]

        baseline = await measure("baseline: SELECT 1 through the uow", baseline_op, REQUESTS)
        ops = lookups(deps, keys) | (analytics_ops(deps) if with_analytics else {})
        results = {}
        for name, op in ops.items():
            requests = REQUESTS // 10 if name.startswith("analytics") else REQUESTS
            results[name] = await measure(name, op, max(requests, 10))
        report(f"{url.split(':')[0]} at {size} orders", baseline, list(results.values()))
        return results
    finally:
        await engine.dispose()


def ratios(per_size: dict[int, dict[str, Result]]) -> None:
    small, large = min(per_size), max(per_size)
    print(f"\np99 ratio {large} / {small} orders (target <= 1.5):")
    for name, result in per_size[large].items():
        if name in per_size[small]:
            base = per_size[small][name].percentile(99)
            ratio = result.percentile(99) / base if base else 0.0
            print(f"  {name:<44} {ratio:6.2f}")


async def pg_url(size: int) -> str | None:
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=2)
    except (OSError, asyncpg.PostgresError):
        return None
    name = f"orders_bench_{size}_{random.randrange(10**6)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_pg(url: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await admin.close()


async def main() -> None:
    sqlite_sizes = sizes("ORDERS_BENCH_SIZES", "10000,100000,1000000")
    with tempfile.TemporaryDirectory() as tmp:
        per_size = {}
        for size in sqlite_sizes:
            url = f"sqlite+aiosqlite:///{Path(tmp) / f'orders_{size}.db'}"
            per_size[size] = await bench_size(url, size, size == max(sqlite_sizes))
        ratios(per_size)
    pg_per_size = {}
    for size in sizes("ORDERS_BENCH_PG_SIZES", "10000,100000"):
        pg = await pg_url(size)
        if pg is None:
            print("\nPostgreSQL not reachable: skipped")
            break
        try:
            pg_per_size[size] = await bench_size(pg, size, False)
        finally:
            await drop_pg(pg)
    if len(pg_per_size) > 1:
        ratios(pg_per_size)
    print(
        "\nmedian of p50 (ms) per size:",
        {
            size: round(statistics.median(r.percentile(50) for r in res.values()), 2)
            for size, res in per_size.items()
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
