"""Order placement with one and with two replicas of every service (and of the gateway),
on PostgreSQL, beside the bare FastAPI worker measured in the same run: what a second
replica buys on this machine. Load alternates between the gateways. Environment as in
run.py (GATEWAY_BENCH_REQUESTS, GATEWAY_BENCH_CONCURRENCY, GATEWAY_BENCH_RUNS).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import run  # beside this script: the placement bench's helpers

from chainkit.benchkit import Result, drive, median_of, report
from chainkit.devstack import Ports, Stack
from chainkit.devstack.seed import seed
from chainkit.testing import new_pg_database
from chainkit.testing.infra import free_port

SERVICES = ("inventory", "orders", "logistics", "gateway")


async def placements(bare_url: str, gateways: list[str], token: str) -> tuple[Result, Result]:
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
            places.append(
                await drive(
                    f"placement, {len(gateways)} gateway(s)",
                    place,
                    requests=run.REQUESTS,
                    concurrency=run.CONCURRENCY,
                )
            )
    if refused:
        print(f"refused placements by status: {refused}")
    return median_of(bares), median_of(places)


async def with_replicas(bare_url: str, replicas: int) -> tuple[Result, Result]:
    async with AsyncExitStack() as dbs:
        urls = {s: await dbs.enter_async_context(new_pg_database(f"rb_{s}")) for s in SERVICES}
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(
                data_dir=Path(tmp),
                ports=Ports.free(),
                database_urls=urls,
                replicas=replicas,
                extra_env=run.BENCH_ENV,
            )
            try:
                await stack.start()
                await seed(stack.gateway_url, stack.hq_password)
                await run.stock_up(stack)
                token = await run.login(stack.gateway_url, "alice", "alice-demo-pass")
                gateways = [f"http://{u}" for u in stack.replica_urls("gateway")]
                return await placements(bare_url, gateways, token)
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
        try:
            one = await with_replicas(bare_url, 1)
            two = await with_replicas(bare_url, 2)
        except (OSError, ConnectionError) as e:
            print(f"\nPostgreSQL not reachable ({e}): replica bench skipped")
            return
    finally:
        bare.terminate()
        bare.wait(10)
    baseline = one[0] if one[0].rate <= two[0].rate else two[0]
    one[1].name, two[1].name = "one replica of everything", "two replicas of everything"
    report(
        f"order placement on PostgreSQL, one vs two replicas of every service, "
        f"{run.CONCURRENCY} clients, median of {run.RUNS} rounds",
        baseline,
        [one[1], two[1]],
    )
    print(
        f"two replicas / one: {two[1].rate / one[1].rate:.2f} x on {os.cpu_count()} cores "
        f"(the replicas share them)"
    )
