"""Logistics bench (SQLite, one process), each figure beside a baseline from the same run.

1. Tracking updates ingested per second: signed sf webhook bodies (one scan each)
   through gRPC IngestCarrierPush (HMAC check, parse, dedup, timeline insert, status
   update, outbox event, one transaction each), beside a bare baseline: one Core INSERT of
   one tracking-event row per update, each in its own transaction, on the same database
   at the same concurrency.
2. Waybill look-up (gRPC GetTracking) p50/p99 with 10 thousand tracking events stored,
   then with 1 million (bulk-loaded with Core inserts): the bar is p99 at 1 M <= 1.5 x p99
   at 10 k.

Medians of 3 runs. Environment: LOGISTICS_BENCH_UPDATES (per run, default 2000),
LOGISTICS_BENCH_LOOKUPS (per run, default 2000), LOGISTICS_BENCH_CONCURRENCY (default 32),
LOGISTICS_BENCH_EVENTS (default 1000000).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.db import create_engine, session_factory
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainkit.migrations import upgrade_async
from chainstore.logistics.v1 import logistics_pb2 as pb
from chainstore.logistics.v1 import logistics_pb2_grpc
from chainstore_dev.benchkit import Result, drive, median_of, report
from logistics.adapters.carriers.signed_push import sign
from logistics.adapters.tables import ShipmentRow, TrackingEventRow
from logistics.entrypoints.bootstrap import bootstrap
from logistics.entrypoints.config import Settings

UPDATES = int(os.environ.get("LOGISTICS_BENCH_UPDATES", "2000"))
LOOKUPS = int(os.environ.get("LOGISTICS_BENCH_LOOKUPS", "2000"))
CONCURRENCY = int(os.environ.get("LOGISTICS_BENCH_CONCURRENCY", "32"))
EVENTS = int(os.environ.get("LOGISTICS_BENCH_EVENTS", "1000000"))
EVENTS_PER_PARCEL = 10
SECRET = b"bench-secret"
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
T0 = datetime(2025, 3, 1, tzinfo=UTC)
CHUNK = 20_000


def sid(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


def waybill(i: int) -> str:
    return f"SF{i:012d}"


def shipment_rows(start: int, stop: int) -> list[dict[str, Any]]:
    return [
        {
            "shipment_id": sid(i),
            "order_id": f"o-{i}",
            "store_id": f"S{i % 50:03d}",
            "location_id": "WH-1",
            "carrier": "sf",
            "waybill_no": waybill(i),
            "carrier_reason": "bench",
            "region": "华东",
            "city": "杭州市",
            "weight_g": 800,
            "status": "in_transit",
            "created_at": T0,
            "estimated_delivery_at": T0 + timedelta(days=1),
            # The newest seeded scan's time, as ingest would have left it.
            "last_update_at": T0 + timedelta(minutes=EVENTS_PER_PARCEL - 1),
        }
        for i in range(start, stop)
    ]


def event_rows(first_parcel: int, parcels: int) -> list[dict[str, Any]]:
    return [
        {
            "shipment_id": sid(p),
            "dedup_key": f"id:bulk-{p}-{k}",
            "at": T0 + timedelta(minutes=k),
            "status": "in_transit",
            "raw_code": "DEP",
            "location": "east hub",
            "description": "Departed sorting facility",
            "received_at": T0,
        }
        for p in range(first_parcel, first_parcel + parcels)
        for k in range(EVENTS_PER_PARCEL)
    ]


async def bulk_load(engine: AsyncEngine, parcels_from: int, parcels_to: int) -> None:
    """Shipments and EVENTS_PER_PARCEL tracking events each, Core executemany in chunks."""
    step = CHUNK // EVENTS_PER_PARCEL
    async with engine.begin() as conn:
        for start in range(parcels_from, parcels_to, step):
            stop = min(start + step, parcels_to)
            await conn.execute(insert(ShipmentRow), shipment_rows(start, stop))
            await conn.execute(insert(TrackingEventRow), event_rows(start, stop - start))


def push_body(waybill_no: str, n: int) -> bytes:
    scan = {
        "event_id": f"bench-{n}",
        "waybill_no": waybill_no,
        "code": "ARR" if n % 2 else "DEP",
        "at": (T0 + timedelta(hours=1, seconds=n)).isoformat(),
        "location": "east hub",
        "description": "bench scan",
    }
    return json.dumps({"events": [scan]}, separators=(",", ":")).encode()


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="logistics-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/logistics.db"
        await upgrade_async(url, MIGRATIONS)
        engine = create_engine(url, pool_size=CONCURRENCY)
        settings = Settings.model_validate(
            {"database_url": url, "grpc_port": 0, "carrier_secret": SECRET.decode()}
        )
        # Look-ups on read-only sessions (plain BEGIN on SQLite), as in main.py.
        app = bootstrap(
            settings,
            session_factory(engine),
            read_sessions=session_factory(engine, read_only=True),
        )
        server, port, _ = await create_server([app.register], app.service_names)
        channel = open_channel(f"127.0.0.1:{port}")
        stub = logistics_pb2_grpc.LogisticsServiceStub(channel)
        try:
            await run(engine, stub)
        finally:
            await channel.close()
            await server.stop(1)
            await app.aclose()
            await engine.dispose()


async def run(engine: AsyncEngine, stub: logistics_pb2_grpc.LogisticsServiceStub) -> None:
    small_parcels = 10_000 // EVENTS_PER_PARCEL
    await bulk_load(engine, 0, small_parcels)
    parcels = small_parcels

    # 1. Ingest: each run pushes fresh scans (new event ids) over the 1,000 parcels.
    ingest, baseline = [], []
    for r in range(3):
        offset = (r + 1) * 1_000_000

        async def push(i: int, offset: int = offset) -> None:
            body = push_body(waybill(i % small_parcels), offset + i)
            request = pb.IngestCarrierPushRequest(
                carrier="sf", body=body, signature=sign(SECRET, body)
            )
            await stub.IngestCarrierPush(request, timeout=30)

        async def bare(i: int, offset: int = offset) -> None:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(TrackingEventRow),
                    {
                        "shipment_id": sid(i % small_parcels),
                        "dedup_key": f"id:bare-{offset + i}",
                        "at": T0,
                        "status": "in_transit",
                        "raw_code": "DEP",
                        "location": "east hub",
                        "description": "bench scan",
                        "received_at": T0,
                    },
                )

        baseline.append(
            await drive("bare INSERT per update", bare, requests=UPDATES, concurrency=CONCURRENCY)
        )
        ingest.append(
            await drive(
                "IngestCarrierPush (signed, 1 scan)",
                push,
                requests=UPDATES,
                concurrency=CONCURRENCY,
            )
        )
    report(
        "Tracking updates ingested per second (SQLite)", median_of(baseline), [median_of(ingest)]
    )

    # 2. Look-ups at 10 k events, then at 1 M.
    async def lookups(label: str) -> Result:
        async def look(i: int) -> None:
            reply = await stub.GetTracking(
                pb.GetTrackingRequest(waybill_no=waybill((i * 7919) % parcels)), timeout=10
            )
            assert len(reply.events) >= EVENTS_PER_PARCEL

        runs = [
            await drive(label, look, requests=LOOKUPS, concurrency=CONCURRENCY) for _ in range(3)
        ]
        return median_of(runs)

    small = await lookups(f"GetTracking, {parcels * EVENTS_PER_PARCEL:,} events")
    started = time.perf_counter()
    target_parcels = EVENTS // EVENTS_PER_PARCEL
    await bulk_load(engine, parcels, target_parcels)
    parcels = target_parcels
    loaded_s = time.perf_counter() - started
    large = await lookups(f"GetTracking, {parcels * EVENTS_PER_PARCEL:,} events")
    report("Waybill look-up (gRPC GetTracking, SQLite)", small, [large])
    ratio = large.percentile(99) / small.percentile(99) if small.percentile(99) else 0.0
    print(
        f"bulk-loaded {parcels * EVENTS_PER_PARCEL - 10_000:,} events in {loaded_s:.1f}s; "
        f"p99 at 1M / p99 at 10k = {ratio:.2f} (bar: <= 1.50)"
    )


if __name__ == "__main__":
    asyncio.run(main())
