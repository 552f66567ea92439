"""Where one placement's milliseconds go: the suite runs with tracing exported to a
receiver in this process (chainstore_dev.testing.otlp), one client places orders one at a time,
and each span of the placement's trace prints its median start and duration, in ms from
the moment the gateway took the request, on each of the bench's databases. Spans cost time
themselves: the total here runs a few milliseconds above the untraced one-client p50 of
run.py; read it for the shares and the order, not as the latency. Environment:
GATEWAY_BENCH_TRACE_ORDERS (default 200), GATEWAY_BENCH_DATABASES as run.py's."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import run  # beside this script: the placement bench's helpers

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.otlp import Receiver, Span

ORDERS = int(os.environ.get("GATEWAY_BENCH_TRACE_ORDERS", "200"))
WARM_UP = 20


def place_one_at_a_time(gateway_url: str, token: str) -> list[str]:
    """Trace ids of the placements after the warm-up."""
    client = httpx.Client(
        base_url=gateway_url, timeout=15, headers={"Authorization": f"Bearer {token}"}
    )
    traced = []
    for i in range(WARM_UP + ORDERS):
        trace_id = os.urandom(16).hex()
        placed = client.post(
            "/v1/orders",
            headers={
                "traceparent": f"00-{trace_id}-{os.urandom(8).hex()}-01",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            json=run.ORDER,
        )
        placed.raise_for_status()
        if i >= WARM_UP:
            traced.append(trace_id)
    return traced


def breakdown(receiver: Receiver, trace_ids: list[str], label: str) -> None:
    offsets: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for trace_id in trace_ids:
        spans = receiver.trace(trace_id)
        if not spans:
            continue
        start = min(s.start_ns for s in spans)  # the gateway taking the request
        for s in spans:
            offsets[(s.service, _name(s))].append(
                ((s.start_ns - start) / 1e6, (s.end_ns - s.start_ns) / 1e6)
            )
    print(f"\n## one placement's trace, median of {len(trace_ids)} (one client, {label})")
    print(f"{'process':10} {'span':58} {'start ms':>9} {'took ms':>8}")
    rare = 0
    for (service, name), seen in sorted(
        offsets.items(), key=lambda kv: statistics.median(x[0] for x in kv[1])
    ):
        if len(seen) < len(trace_ids) / 2:  # a cache miss, a background round
            rare += 1
            continue
        begin = statistics.median(x[0] for x in seen)
        took = statistics.median(x[1] for x in seen)
        print(f"{service:10} {name[:58]:58} {begin:9.2f} {took:8.2f}")
    print(f"({rare} kinds of span seen in fewer than half the placements left out)")


def _name(span: Span) -> str:
    """SQL spans are named after the database file (a temporary path): keep the verb."""
    verb, _, rest = span.name.partition(" ")
    return f"{verb} (sql)" if rest.startswith("/") and rest.endswith(".db") else span.name


async def trace_on(label: str, database_urls: dict[str, str]) -> None:
    receiver = Receiver()
    env = {
        **run.BENCH_ENV,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            stack = Stack(
                data_dir=Path(data_dir),
                ports=Ports.free(),
                extra_env=env,
                database_urls=database_urls,
            )
            with seeded_stack(stack):
                await run.stock_up(stack)  # as the placement bench does
                token = await run.login(stack.gateway_url, "alice", "alice-demo-pass")
                trace_ids = await asyncio.to_thread(place_one_at_a_time, stack.gateway_url, token)
                await asyncio.sleep(2)  # the exporters' last batches
        breakdown(receiver, trace_ids, label)
    finally:
        receiver.close()


async def main() -> None:
    """On each of the bench's databases (GATEWAY_BENCH_DATABASES)."""
    if "sqlite" in run.DATABASES:
        await trace_on("SQLite", {})
    if "postgresql" in run.DATABASES:
        async with run.pg_databases("trace") as urls:
            if urls is not None:
                await trace_on("PostgreSQL", urls)


if __name__ == "__main__":
    asyncio.run(main())
