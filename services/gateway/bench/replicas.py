"""Order placement on PostgreSQL in three layouts, beside the bare FastAPI worker measured
in the same run: one replica of everything; two orders and two inventory replicas behind
one gateway (its gRPC channels spread calls over them, round robin); two replicas of
everything, the load alternating between the gateways. Each layout prints the CPU per order
of every process and how busy it kept its core: the busiest process is what limits the
rate (deploy/README.md turns these figures into a capacity model). Environment as in
run.py (GATEWAY_BENCH_REQUESTS, GATEWAY_BENCH_CONCURRENCY, GATEWAY_BENCH_RUNS).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import aiohttp
import run  # beside this script: the placement bench's helpers

from chainstore_dev.benchkit import CpuMeter, Result, drive, median_of, report
from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.seed import seed
from chainstore_dev.devstack.stack import REPLICATED
from chainstore_dev.testing.infra import free_port

LAYOUTS = {
    "one replica of everything": (1, REPLICATED),
    "two orders + two inventory, one gateway": (2, ("orders", "inventory")),
    "two replicas of everything": (2, REPLICATED),
}


async def placements(
    bare_url: str, gateways: list[str], token: str, cpu: CpuMeter
) -> tuple[Result, Result]:
    connector = aiohttp.TCPConnector(limit=run.CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}"}
    turn = itertools.cycle(gateways)
    refused: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=connector) as client:

        async def bare(i: int) -> object:
            async with client.get(f"{bare_url}/ping") as r:
                return await r.read()

        async def place(i: int) -> object:
            key = {"Idempotency-Key": str(uuid.uuid4()), **headers}
            async with client.post(f"{next(turn)}/v1/orders", json=run.ORDER, headers=key) as r:
                if r.status != 201:
                    refused[r.status] = refused.get(r.status, 0) + 1
                return await r.read()

        await drive("warm-up", place, requests=run.CONCURRENCY * 2, concurrency=run.CONCURRENCY)
        bares, places = [], []
        for _ in range(run.RUNS):
            bares.append(
                await drive(
                    "baseline: bare FastAPI GET, one worker",
                    bare,
                    requests=run.REQUESTS,
                    concurrency=run.CONCURRENCY,
                )
            )
            cpu.start()
            places.append(
                await drive(
                    f"placement, {len(gateways)} gateway(s)",
                    place,
                    requests=run.REQUESTS,
                    concurrency=run.CONCURRENCY,
                )
            )
            cpu.stop()
    if refused:
        print(f"refused placements by status: {refused}")
    return median_of(bares), median_of(places)


async def with_layout(bare_url: str, layout: str) -> tuple[Result, Result] | None:
    """None when PostgreSQL is not reachable."""
    replicas, replicated = LAYOUTS[layout]
    async with run.pg_databases("rb") as urls:
        if urls is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(
                data_dir=Path(tmp),
                ports=Ports.free(),
                database_urls=urls,
                replicas=replicas,
                replicated=replicated,
                extra_env=run.BENCH_ENV,
            )
            try:
                await stack.start()
                await seed(stack.gateway_url, stack.hq_password)
                await run.stock_up(stack)
                token = await run.login(stack.gateway_url, "alice", "alice-demo-pass")
                gateways = [f"http://{u}" for u in stack.replica_urls("gateway")]
                cpu = run.cpu_meter(stack, urls, per_replica=True)
                result = await placements(bare_url, gateways, token, cpu)
                print(f"\n### {layout}")
                cpu.report(run.REQUESTS * run.RUNS)
                return result
            finally:
                stack.stop()


async def main() -> None:
    port = free_port()
    bare = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, "-c", run.BARE_APP.replace("{port}", str(port))],
        stdout=subprocess.DEVNULL,
    )
    try:
        bare_url = f"http://127.0.0.1:{port}"
        await run.wait_until_up(f"{bare_url}/ping")
        results = {}
        for layout in LAYOUTS:
            result = await with_layout(bare_url, layout)
            if result is None:
                return
            results[layout] = result
    finally:
        bare.terminate()
        bare.wait(10)
    baseline = min((bare for bare, _ in results.values()), key=lambda r: r.rate)
    for layout, (_, placed) in results.items():
        placed.name = layout
    report(
        f"order placement on PostgreSQL by layout, {run.CONCURRENCY} clients, "
        f"median of {run.RUNS} rounds",
        baseline,
        [placed for _, placed in results.values()],
    )
    one = results["one replica of everything"][1].rate
    for layout, (_, placed) in list(results.items())[1:]:
        print(f"{layout} / one: {placed.rate / one:.2f} x on {os.cpu_count()} cores (shared)")
