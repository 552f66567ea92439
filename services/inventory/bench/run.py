"""Inventory bench: Reserve through the real gRPC server (runtime, outbox relay, NATS) for
one hot SKU and for 10,000 distinct SKUs, beside a bare baseline measured in the same run:
a single-row conditional UPDATE (`reserved + 1 WHERE on_hand - reserved >= 1`), each in its
own transaction, on the same database at the same concurrency.

SQLite always; PostgreSQL too when CHAINSTORE_BENCH_PG_URL names a database or the local
server (127.0.0.1:5432) is reachable. Medians of 3 runs. Environment:
INVENTORY_BENCH_REQUESTS (default 1000 per run), INVENTORY_BENCH_CONCURRENCY (default 64).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from chainkit.benchkit import Result, drive, median_of, report
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainkit.runtime import ServiceRuntime
from chainkit.testing import NatsServer, new_pg_database
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc
from inventory.adapters.tables import location_t, product_t, stock_t
from inventory.entrypoints import bootstrap
from inventory.entrypoints.config import Settings
from inventory.entrypoints.errors import details_for

REQUESTS = int(os.environ.get("INVENTORY_BENCH_REQUESTS", "1000"))
CONCURRENCY = int(os.environ.get("INVENTORY_BENCH_CONCURRENCY", "64"))
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
async def served(url: str, nats_url: str) -> AsyncIterator[tuple[ServiceRuntime, object]]:
    settings = Settings.model_validate({"NATS_URL": nats_url, "database_url": url})
    runtime = await ServiceRuntime.start(
        "inventory", settings, stream="INVENTORY", migrations=bootstrap.MIGRATIONS
    )
    uows = bootstrap.unit_of_work_factory(runtime.sessions, runtime.relay.wake)
    server, port, _ = await create_server(
        bootstrap.registrations(uows), [bootstrap.SERVICE_NAME], port=0, details_for=details_for
    )
    try:
        async with open_channel(f"127.0.0.1:{port}") as channel:
            yield runtime, inventory_pb2_grpc.InventoryServiceStub(channel)
    finally:
        await server.stop(0)
        await runtime.close()


async def measure(name: str, op: Op) -> Result:
    runs = [await drive(name, op, requests=REQUESTS, concurrency=CONCURRENCY) for _ in range(3)]
    return median_of(runs)


async def bench(label: str, url: str, nats_url: str) -> None:
    async with served(url, nats_url) as (runtime, stub):
        await seed(runtime)
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

        def reserve(sku_of: Callable[[int], str], tag: str) -> Op:
            async def op(i: int) -> object:
                request = pb.ReserveRequest(
                    reservation_id=f"{run}-{tag}-{i}-{uuid.uuid4().hex[:6]}",
                    lines=[SkuQty(sku=sku_of(i), qty=1)],
                    region="east",
                )
                return await stub.Reserve(request, timeout=30)  # type: ignore[attr-defined]

            return op

        baseline = await measure(f"baseline: conditional UPDATE ({label})", baseline_op)
        hot = await measure("Reserve RPC, one hot SKU", reserve(lambda i: "HOT", "hot"))
        spread = await measure(
            f"Reserve RPC, {DISTINCT:,} distinct SKUs",
            reserve(lambda i: f"SKU-{(i * 7919) % DISTINCT:05d}", "many"),
        )
        report(
            f"inventory reservations on {label}, {CONCURRENCY} concurrent clients, "
            f"{REQUESTS} per run, median of 3",
            baseline,
            [hot, spread],
        )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nats = NatsServer(Path(tmp) / "jetstream")
        nats.start()
        try:
            await bench("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'inventory.db'}", nats.url)
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
