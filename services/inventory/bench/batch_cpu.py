"""CPU per reservation of Reserve's batch path, without gRPC: a profiling aid, not part
of `make bench`. Runs `reserve_many` on batches of INVENTORY_BATCH_SIZE (default 31, what
the 64-client bench gives; INVENTORY_BATCH_SKUS=spread for 10,000 distinct SKUs instead
of one hot one) against the bench's seeded SQLite database, with the outbox
relay publishing to a real NATS (INVENTORY_BATCH_DATABASE=postgresql: a fresh database on
the local PostgreSQL), and prints the process CPU time per reservation (all
threads), the median of INVENTORY_BATCH_REPEATS runs. Attach `py-spy record --gil -p` to
see where it goes.

    .venv/bin/python services/inventory/bench/batch_cpu.py
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

from run import seed, served  # the bench's own server and data

from chainkit.runtime import tune_gc_for_serving
from chainstore_dev.testing import NatsServer, new_pg_database
from inventory.domain.model import SkuQty
from inventory.entrypoints import bootstrap
from inventory.entrypoints.config import Settings
from inventory.service_layer.commands import ReserveCommand
from inventory.service_layer.reserving import reserve_many

BATCH = int(os.environ.get("INVENTORY_BATCH_SIZE", "31"))
POSTGRES = os.environ.get("INVENTORY_BATCH_DATABASE", "sqlite") == "postgresql"
SPREAD = os.environ.get("INVENTORY_BATCH_SKUS", "hot") == "spread"  # or 10,000 distinct
BATCHES = int(os.environ.get("INVENTORY_BATCH_COUNT", "100"))
REPEATS = int(os.environ.get("INVENTORY_BATCH_REPEATS", "5"))


walls: list[float] = []  # ms per batch, start to commit


async def measure(url: str, nats_url: str) -> list[float]:
    async with served(url, nats_url) as (runtime, _, _):
        await seed(runtime)
        tune_gc_for_serving()
        deps = bootstrap.bootstrap(
            Settings(),
            runtime.sessions,
            on_events_committed=runtime.relay.committed,
            sqlite_writers=runtime.sqlite_writers,
        ).deps
        serial = itertools.count()

        def sku_for(n: int) -> str:
            return f"SKU-{(n * 7919) % 10_000:05d}" if SPREAD else "HOT"

        def batch() -> list[ReserveCommand]:
            return [
                ReserveCommand(f"cpu-{n}", [SkuQty(sku_for(n), 1)], region="east")
                for n in itertools.islice(serial, BATCH)
            ]

        for _ in range(20):  # warm up: caches, compiled statements, the relay's inbox
            await reserve_many(deps, batch())
        per_reservation = []
        for _ in range(REPEATS):
            started, wall = time.process_time(), time.perf_counter()
            for _ in range(BATCHES):
                await reserve_many(deps, batch())
            spent = time.process_time() - started
            per_reservation.append(spent / (BATCHES * BATCH) * 1e6)
            walls.append((time.perf_counter() - wall) / BATCHES * 1e3)
        return per_reservation


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nats = NatsServer(Path(tmp) / "jetstream")
        nats.start()
        try:
            if POSTGRES:
                async with new_pg_database("inv_batch_cpu") as url:
                    runs = await measure(url, nats.url)
            else:
                runs = await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'inv.db'}", nats.url)
        finally:
            nats.stop()
    shown = ", ".join(f"{r:.0f}" for r in sorted(runs))
    skus = "10,000 SKUs" if SPREAD else "one hot SKU"
    print(
        f"{'PostgreSQL' if POSTGRES else 'SQLite'}, batches of {BATCH} ({skus}): "
        f"{statistics.median(runs):.0f} us CPU per reservation (median of {REPEATS}: {shown}); "
        f"{statistics.median(walls):.1f} ms per batch"
    )


if __name__ == "__main__":
    asyncio.run(main())
