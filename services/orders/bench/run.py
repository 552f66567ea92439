"""Orders bench: "my orders" look-ups at 10k, 100k and 1M orders, and analytics at 1M.

Loads each size with `chainstore_dev.orders_data.loadgen` (SQLite; PostgreSQL too when
reachable), then times the common queries through the real use cases and unit of work, one
client at a time,
beside a same-run baseline (`SELECT 1` through the same unit of work). Every list look-up
must return a full page at every size (see `samples`). Prints p50/p99 per size, the
largest/smallest p99 ratio (target <= 1.5) and analytics at the largest size (< 1 s).
Environment:
- ORDERS_BENCH_SIZES (default 10000,100000,1000000) on SQLite;
- ORDERS_BENCH_PG_SIZES (default 10000,100000,1000000; "" skips PostgreSQL);
- ORDERS_BENCH_REQUESTS (default 300 per look-up; a tenth of that per analytics query).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select, text, tuple_

from chainkit.db import create_engine, session_factory
from chainstore_dev.benchkit import drive
from chainstore_dev.orders_data.loadgen import load
from orders.adapters.tables import ORDER
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import bootstrap
from orders.entrypoints.config import Settings
from orders.service_layer import analytics
from orders.service_layer import commands as c
from orders.service_layer.deps import Deps
from orders.service_layer.ports import PageKey
from orders.service_layer.queries import encode_cursor, get_order, list_orders

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REQUESTS = int(os.environ.get("ORDERS_BENCH_REQUESTS", "300"))
# One client: SQLite runs every transaction under BEGIN IMMEDIATE (chainkit.db), so concurrent
# readers would measure lock queueing, not the query plan this bench is about.
CONCURRENCY = 1
PAGE = 20
# The one status every store has a full page of at 10k orders too (the 10k data set holds
# ~20 shipped and ~25 paid orders in all); "paid" is timed chain-wide instead.
STORE_STATUS = "completed"
Op = Callable[[int], Awaitable[object]]


def sizes(name: str, default: str) -> list[int]:
    return [int(x) for x in os.environ.get(name, default).split(",") if x]


async def samples(engine: Any) -> dict[str, list[Any]]:
    """Real keys to ask for, chosen so every size answers the same shape: full pages.

    A (store, status) pair or a deep cursor drawn at random from 10k orders mostly finds an
    empty or part page (20 shipped orders among 300 stores), while 1M fills it: comparing
    those would time hydrating 20 orders against hydrating none. So the store + status pairs
    and the deep cursors are ones with at least a full page behind them at this size.
    """
    full = PAGE + 1
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
        pairs = (
            await conn.execute(
                select(ORDER.c.store_id, ORDER.c.status)
                .where(ORDER.c.status == STORE_STATUS)
                .group_by(ORDER.c.store_id, ORDER.c.status)
                .having(func.count() >= full)
            )
        ).all()
        deep = []
        for r in rows:
            older = (
                select(ORDER.c.order_id)
                .where(
                    ORDER.c.store_id == r.store_id,
                    tuple_(ORDER.c.created_at, ORDER.c.order_id) < tuple_(r.created_at, r.order_id),
                )
                .limit(full)
                .subquery()
            )
            if (await conn.execute(select(func.count()).select_from(older))).scalar_one() >= full:
                deep.append((r.store_id, r.created_at, r.order_id))
    return {
        "customer": [r.customer_id for r in rows],
        "store_status": [tuple(p) for p in pairs],
        "order_no": [r.order_no for r in rows],
        "deep": deep,
    }


def lookups(deps: Deps, keys: dict[str, list[Any]]) -> dict[str, Op]:
    hq = c.Scope(actor="hq")
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def pick(name: str, i: int) -> Any:
        return keys[name][i % len(keys[name])]

    async def by_customer(i: int) -> object:
        who = pick("customer", i)
        page, _ = await list_orders(deps, c.ListOrders(scope=c.Scope(customer_id=who), limit=PAGE))
        return [answer.order(o) for o in page]

    async def by_store_status(i: int) -> object:
        store, status = pick("store_status", i)
        query = c.ListOrders(scope=c.Scope(store_id=store), status=status, limit=PAGE)
        return await _full(list_orders(deps, query))

    async def by_status(i: int) -> object:
        return await _full(list_orders(deps, c.ListOrders(scope=hq, status="paid", limit=PAGE)))

    async def by_date_range(i: int) -> object:
        start = now - timedelta(days=1 + i % 300)
        query = c.ListOrders(
            scope=hq, created_from=start, created_to=start + timedelta(days=7), limit=PAGE
        )
        return await _full(list_orders(deps, query))

    async def by_order_no(i: int) -> object:
        return answer.order(await get_order(deps, hq, pick("order_no", i)))

    async def deep_page(i: int) -> object:
        store, created, order_id = pick("deep", i)
        at = created if created.tzinfo else created.replace(tzinfo=UTC)
        cursor = encode_cursor(PageKey(at, order_id))
        query = c.ListOrders(scope=c.Scope(store_id=store), cursor=cursor, limit=PAGE)
        return await _full(list_orders(deps, query))

    return {
        "my orders: by customer, first page": by_customer,
        f"store + status ({STORE_STATUS}), full page": by_store_status,
        "status (paid), chain-wide, full page": by_status,
        "date range (7 days), full page": by_date_range,
        "by order number": by_order_no,
        "store orders, deep cursor, full page": deep_page,
    }


async def _full(listing: Awaitable[tuple[list[Any], str]]) -> object:
    """Like with like: a look-up timed at every size must return a whole page, as the RPC
    answers it (the messages built)."""
    page, _ = await listing
    assert len(page) == PAGE, f"expected a full page of {PAGE}, got {len(page)}"
    return [answer.order(o) for o in page]


def analytics_ops(deps: Deps) -> dict[str, Op]:
    hq = c.Scope()
    year = ("2025-11-28", "2026-11-27")

    async def summary(i: int) -> object:
        return answer.summary(
            await analytics.summary(deps, c.Scope(store_id="S0001") if i % 2 else hq)
        )

    def sales(group: str) -> Op:
        async def op(i: int) -> object:
            return answer.sales(await analytics.sales(deps, hq, *year, group))

        return op

    async def top(i: int) -> object:
        rows = await analytics.top_products(deps, hq, *year, "east" if i % 2 else "", 10)
        return answer.top_products(rows)

    ops: dict[str, Op] = {"analytics: summary": summary, "analytics: top products, a year": top}
    ops |= {
        f"analytics: sales by {g}, a year": sales(g)
        for g in ("store", "region", "day", "category", "product")
    }
    return ops


@dataclass(frozen=True)
class Figures:
    """Medians over three runs of each figure on its own: this box is shared and noisy, and
    one burst from a neighbour moves a 300-sample p99 of a single run."""

    name: str
    rate: float
    p50: float
    p99: float


async def measure(name: str, op: Op, requests: int) -> Figures:
    runs = [await drive(name, op, requests=requests, concurrency=CONCURRENCY) for _ in range(3)]
    return Figures(
        name,
        statistics.median(r.rate for r in runs),
        statistics.median(r.percentile(50) for r in runs),
        statistics.median(r.percentile(99) for r in runs),
    )


def report(title: str, baseline: Figures, rows: list[Figures]) -> None:
    print(f"\n## {title} (medians of 3 runs)")
    print(f"{'measure':<44} {'ops/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'x baseline':>11}")
    for r in [baseline, *rows]:
        ratio = r.rate / baseline.rate if baseline.rate else 0.0
        print(f"{r.name:<44} {r.rate:>10.0f} {r.p50:>9.2f} {r.p99:>9.2f} {ratio:>11.2f}")


async def bench_size(url: str, size: int, with_analytics: bool) -> dict[str, Figures]:
    took = await load(url, size)
    print(f"\nloaded {size} orders in {took['seconds']:.1f} s")
    engine = create_engine(url)
    try:
        settings = Settings(INVENTORY_ADDR="-", LOGISTICS_ADDR="-", master_data_ttl_s=0)
        app = bootstrap(settings, session_factory(engine), inventory=Any, logistics=Any)  # type: ignore[arg-type]
        deps = app.deps
        keys = await samples(engine)

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


def ratios(per_size: dict[int, dict[str, Figures]]) -> None:
    small, larger = min(per_size), sorted(per_size)[1:]
    heads = "".join(f"{f'{size}/{small}':>16}" for size in larger)
    print(f"\np99 ratio to {small} orders (target <= 1.5):\n  {'':<44}{heads}")
    for name, base_result in per_size[small].items():
        base = base_result.p99
        cells = "".join(
            f"{per_size[size][name].p99 / base if base else 0.0:>16.2f}"
            for size in larger
            if name in per_size[size]
        )
        print(f"  {name:<44}{cells}")


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
    pg_sizes = sizes("ORDERS_BENCH_PG_SIZES", "10000,100000,1000000")
    for size in pg_sizes:
        pg = await pg_url(size)
        if pg is None:
            print("\nPostgreSQL not reachable: skipped")
            break
        try:
            pg_per_size[size] = await bench_size(pg, size, size == max(pg_sizes))
        finally:
            await drop_pg(pg)
    if len(pg_per_size) > 1:
        ratios(pg_per_size)
    print(
        "\nSQLite, median of the look-ups' p50 (ms) per size:",
        {
            size: round(
                statistics.median(
                    r.p50 for name, r in res.items() if not name.startswith("analytics")
                ),
                2,
            )
            for size, res in per_size.items()
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
