"""Inventory bench: Reserve through the real gRPC server (runtime, outbox relay, NATS) for
one hot SKU and for 10,000 distinct SKUs, beside two baselines measured in the same run at
the same concurrency:

- gRPC echo: the standard health `Check` on the same server (same interceptors, channel and
  event loop as Reserve, no I/O) — docs/performance.md holds Reserve to at least 0.6 x this;
- conditional UPDATE: a single-row `reserved + 1 WHERE on_hand - reserved >= 1`, each in its
  own transaction, on the same database, without gRPC.

SQLite always; PostgreSQL too when CHAINSTORE_BENCH_PG_URL names a database or the local
server (127.0.0.1:5432) is reachable. The four measures run in rounds (echo, UPDATE, hot,
spread, then again), so a slow spell of this shared machine weighs on baselines and Reserve
alike; each figure is the median over the rounds. Environment: INVENTORY_BENCH_REQUESTS
(default 2000 per run), INVENTORY_BENCH_CONCURRENCY (default 64), INVENTORY_BENCH_RUNS
(rounds, default 5), INVENTORY_BENCH_DATABASES (default "sqlite,postgresql").
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import insert, text

from chainkit.db import session_factory
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainkit.runtime import ServiceRuntime, tune_gc_for_serving
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore_dev.benchkit import Result, drive, median_of
from chainstore_dev.testing import NatsServer, new_pg_database
from inventory.adapters.tables import location_t, product_t, stock_t
from inventory.entrypoints import bootstrap
from inventory.entrypoints.config import Settings
from inventory.entrypoints.errors import details_for

REQUESTS = int(os.environ.get("INVENTORY_BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("INVENTORY_BENCH_CONCURRENCY", "64"))
RUNS = int(os.environ.get("INVENTORY_BENCH_RUNS", "5"))
DATABASES = os.environ.get("INVENTORY_BENCH_DATABASES", "sqlite,postgresql").lower().split(",")
TARGET_X_ECHO = 0.6  # docs/performance.md: Reserve RPC at least 0.6 x a gRPC echo on the same box
DISTINCT = 10_000
PLENTY = 10**9
Op = Callable[[int], Awaitable[object]]


async def seed(runtime: ServiceRuntime) -> None:
    """Locations, the hot SKU, 10,000 distinct SKUs and the baseline's own row, in bulk."""
    now = datetime.now(UTC)
    skus = ["HOT", "BASE", *(f"SKU-{i:05d}" for i in range(DISTINCT))]
    async with runtime.engine.begin() as conn:
        await conn.execute(
            insert(location_t),
            [
                {
                    "location_id": f"WH-{i}",
                    "name": f"Warehouse {i}",
                    "kind": "warehouse",
                    "region": region,
                    "city": "",
                    "priority": i,
                    "share_online": True,
                    "created_at": now,
                }
                for i, region in enumerate(["east", "west", "north"])
            ],
        )
        await conn.execute(
            insert(product_t),
            [
                {
                    "sku": sku,
                    "name": sku,
                    "category": "bench",
                    "price": 100,
                    "currency": "CNY",
                    "weight_g": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for sku in skus
            ],
        )
        await conn.execute(
            insert(stock_t),
            [
                {
                    "sku": sku,
                    "location_id": f"WH-{n}",
                    "on_hand": PLENTY,
                    "reserved": 0,
                    "low_stock_threshold": 0,
                    "low_stock": False,
                    "updated_at": now,
                }
                for sku in skus
                for n in range(3)
            ],
        )


@asynccontextmanager
async def served(url: str, nats_url: str) -> AsyncIterator[tuple[ServiceRuntime, object, object]]:
    settings = Settings.model_validate({"NATS_URL": nats_url, "database_url": url})
    runtime = await ServiceRuntime.start(
        "inventory", settings, stream="INVENTORY", migrations=bootstrap.MIGRATIONS
    )
    app = bootstrap.bootstrap(  # as main wires it
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
        sqlite_writers=runtime.sqlite_writers,
    )
    server, port, _ = await create_server(
        [app.register], app.service_names, port=0, details_for=details_for
    )
    try:
        async with open_channel(f"127.0.0.1:{port}") as channel:
            yield (
                runtime,
                inventory_pb2_grpc.InventoryServiceStub(channel),
                health_pb2_grpc.HealthStub(channel),
            )
    finally:
        await server.stop(0)
        await runtime.close()


async def measure_in_rounds(ops: list[tuple[str, Op]]) -> list[Result]:
    """Every op once per round, rounds repeated; the median run of each op."""
    runs: list[list[Result]] = [[] for _ in ops]
    for _ in range(RUNS):
        for (name, op), results in zip(ops, runs, strict=True):
            results.append(await drive(name, op, requests=REQUESTS, concurrency=CONCURRENCY))
    return [median_of(results) for results in runs]


def report(title: str, echo: Result, update: Result, rows: list[Result]) -> None:
    """One table, every figure as a ratio of both same-run baselines."""
    print(f"\n## {title}")
    print(f"{'measure':<44} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x echo':>7} {'x UPDATE':>9}")
    for r in [echo, update, *rows]:
        print(
            f"{r.name:<44} {r.rate:>8.0f} {r.percentile(50):>8.2f} {r.percentile(99):>8.2f} "
            f"{r.rate / echo.rate:>7.2f} {r.rate / update.rate:>9.2f}"
        )
    print(f"target: Reserve RPC at least {TARGET_X_ECHO:.2f} x echo")


async def bench(label: str, url: str, nats_url: str) -> None:
    async with served(url, nats_url) as (runtime, stub, health_stub):
        await seed(runtime)
        tune_gc_for_serving()  # as ServiceRuntime.serve does in production
        update = text(
            "UPDATE inv_stock_level SET reserved = reserved + 1 "
            "WHERE sku = 'BASE' AND location_id = 'WH-0' AND on_hand - reserved >= 1"
        )

        async def baseline_op(i: int) -> object:
            async with runtime.sessions() as session, session.begin():
                result = await session.execute(update)
                assert result.rowcount == 1  # type: ignore[attr-defined]
            return None

        run = uuid.uuid4().hex[:8]
        serial = itertools.count()  # unique ids across runs, without a uuid per request

        def reserve(sku_of: Callable[[int], str], tag: str) -> Op:
            async def op(i: int) -> object:
                request = pb.ReserveRequest(
                    reservation_id=f"{run}-{tag}-{next(serial)}",
                    lines=[SkuQty(sku=sku_of(i), qty=1)],
                    region="east",
                )
                return await stub.Reserve(request, timeout=30)  # type: ignore[attr-defined]

            return op

        async def echo_op(i: int) -> object:
            check = health_pb2.HealthCheckRequest(service="")
            return await health_stub.Check(check, timeout=30)  # type: ignore[attr-defined]

        echo, baseline, hot, spread = await measure_in_rounds(
            [
                ("baseline: gRPC echo (health Check)", echo_op),
                (f"baseline: conditional UPDATE ({label})", baseline_op),
                ("Reserve RPC, one hot SKU", reserve(lambda i: "HOT", "hot")),
                (
                    f"Reserve RPC, {DISTINCT:,} distinct SKUs",
                    reserve(lambda i: f"SKU-{(i * 7919) % DISTINCT:05d}", "many"),
                ),
            ]
        )
        report(
            f"inventory reservations on {label}, {CONCURRENCY} concurrent clients, "
            f"{REQUESTS} per run, median of {RUNS} rounds",
            echo,
            baseline,
            [hot, spread],
        )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nats = NatsServer(Path(tmp) / "jetstream")
        nats.start()
        try:
            if "sqlite" in DATABASES:
                db = Path(tmp) / "inventory.db"
                await bench("SQLite", f"sqlite+aiosqlite:///{db}", nats.url)
            if "postgresql" not in DATABASES:
                return
            async with AsyncExitStack() as stack:
                url = os.environ.get("CHAINSTORE_BENCH_PG_URL")
                if not url:
                    try:
                        url = await stack.enter_async_context(new_pg_database("inv_bench"))
                    except (OSError, ConnectionError) as e:
                        print(f"\nPostgreSQL not reachable ({e}): skipped")
                        return
                await bench("PostgreSQL", url, nats.url)
        finally:
            nats.stop()


if __name__ == "__main__":
    asyncio.run(main())
