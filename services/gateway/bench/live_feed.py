"""Live feed bench: from commit in the orders service (the event's `at`) to Server-Sent
Events clients of the gateway, with 100 and with 1,000 clients connected (docs/performance.md:
order paid → head-office live feed p99 < 250 ms with 1,000 clients).

Every client follows `order.paid` as head office (each event goes to every client: the
widest fan-out). Orders are placed first, then paid at a steady pace while the clients
listen. Baseline, measured in the same run: the same events read straight from the ORDERS
stream by a JetStream subscriber in this process, i.e. what NATS alone costs. Also printed:
the gateway's resident memory per connected client. Rounds per size alternate with the
baseline; figures are medians. Environment: FEED_BENCH_EVENTS (default 100 per round),
FEED_BENCH_RATE (payments per second, default 10), FEED_BENCH_ROUNDS (3),
FEED_BENCH_CLIENTS (default "100,1000").
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import aiohttp
import httpx
import nats

from chainkit import events
from chainstore.orders.v1 import events_pb2
from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.seed import seed

EVENTS = int(os.environ.get("FEED_BENCH_EVENTS", "100"))
RATE = float(os.environ.get("FEED_BENCH_RATE", "10"))
ROUNDS = int(os.environ.get("FEED_BENCH_ROUNDS", "3"))
SIZES = [int(n) for n in os.environ.get("FEED_BENCH_CLIENTS", "100,1000").split(",")]
TARGET_P99_MS = 250.0
SKU = "TEA-001"
ORDER = {
    "store_id": "S001",
    "customer_id": "C-ALICE",
    "channel": "online",
    "lines": [{"sku": SKU, "qty": 1}],
    "shipping_address": {
        "name": "王小明",
        "phone": "13800000000",
        "region": "east",
        "city": "上海",
        "line1": "世纪大道 1 号",
    },
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if values else 0.0


def _stamps(chunk: bytes) -> list[float]:
    """The `at` of every event in a chunk, found without parsing lines or JSON (the client
    must not be what is measured)."""
    out = []
    start = chunk.find(b'"at":"')
    while start >= 0:
        start += 6
        end = chunk.index(b'"', start)
        out.append(datetime.fromisoformat(chunk[start:end].decode()).timestamp())
        start = chunk.find(b'"at":"', end)
    return out


class Client:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ready = asyncio.Event()
        self.done = asyncio.Event()  # every expected event arrived

    async def follow(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(url, headers=headers, params={"types": "order.paid"}) as r:
            assert r.status == 200, await r.text()
            self.ready.set()
            tail = b""
            async for chunk in r.content.iter_any():
                now = time.time()
                # A frame may straddle two reads: keep what follows the last blank line.
                chunk = tail + chunk
                cut = chunk.rfind(b"\n\n") + 2  # 1 when there is none: all of it waits
                complete, tail = (chunk[:cut], chunk[cut:]) if cut > 1 else (b"", chunk)
                self.latencies.extend(now - at for at in _stamps(complete))
                if len(self.latencies) >= EVENTS:
                    self.done.set()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def place_orders(gw: str, token: str, count: int) -> list[dict[str, int | str]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gw, headers=headers, timeout=30) as client:

        async def one() -> dict[str, int | str]:
            r = await client.post(
                "/v1/orders", json=ORDER, headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            r.raise_for_status()
            body = r.json()
            return {"id": body["order_id"], "total": body["total"]}

        out = []
        for _ in range(0, count, 20):
            out += await asyncio.gather(*(one() for _ in range(min(20, count - len(out)))))
        return out


async def pay_steadily(gw: str, token: str, orders: list[dict[str, int | str]]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gw, headers=headers, timeout=30) as client:
        start = time.monotonic()
        for i, order in enumerate(orders):
            await asyncio.sleep(max(0.0, start + i / RATE - time.monotonic()))
            body = {"method": "wechat_pay", "amount": order["total"]}
            r = await client.post(f"/v1/orders/{order['id']}/pay", json=body)
            r.raise_for_status()


async def direct_latencies(nats_url: str, gw: str, token: str) -> list[float]:
    """Baseline: `at` → a plain JetStream subscriber on the ORDERS stream."""
    nc = await nats.connect(nats_url)
    latencies: list[float] = []

    async def on_msg(msg: nats.aio.msg.Msg) -> None:
        env = events.parse(msg.data)
        events.unpack(env, events_pb2.OrderPaid)
        latencies.append(time.time() - env.occurred_at.ToNanoseconds() / 1e9)

    js = nc.jetstream()
    sub = await js.subscribe(
        "chainstore.orders.paid",
        stream="ORDERS",
        cb=on_msg,
        ordered_consumer=True,
        deliver_policy=nats.js.api.DeliverPolicy.NEW,
    )
    orders = await place_orders(gw, token, EVENTS)
    await pay_steadily(gw, token, orders)
    await asyncio.sleep(1.0)
    await sub.unsubscribe()
    await nc.close()
    return latencies


async def through_gateway(
    stack: Stack, clients: int, tokens: tuple[str, str]
) -> tuple[list[float], float]:
    hq, alice = tokens
    url = f"{stack.gateway_url}/v1/events/stream"
    pid = stack.procs["gateway"].pid
    before = rss_kib(pid)
    followers = [Client() for _ in range(clients)]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.create_task(c.follow(session, url, hq)) for c in followers]
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in followers)), 120)
        await asyncio.sleep(1.0)
        per_client_kib = (rss_kib(pid) - before) / clients
        orders = await place_orders(stack.gateway_url, alice, EVENTS)
        await pay_steadily(stack.gateway_url, alice, orders)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await asyncio.gather(*(c.done.wait() for c in followers))
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    missing = sum(max(0, EVENTS - len(c.latencies)) for c in followers)
    if missing:
        print(f"  {missing} deliveries missing after 10 s")
    return [x for c in followers for x in c.latencies], per_client_kib


async def login(gw: str, username: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=gw, timeout=15) as client:
        r = await client.post("/v1/auth/token", json={"username": username, "password": password})
        r.raise_for_status()
        return str(r.json()["access_token"])


def line(label: str, values: list[list[float]], extra: str = "") -> None:
    p50 = statistics.median(pct(v, 50) * 1000 for v in values)
    p99 = statistics.median(pct(v, 99) * 1000 for v in values)
    print(f"{label:<52} {p50:>9.1f} {p99:>9.1f} {extra}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # One bench client is one address and one token: no rate limit in the way.
        stack = Stack(
            data_dir=Path(tmp),
            ports=Ports.free(),
            extra_env={
                "GATEWAY_RATE_LIMIT_PER_ADDRESS": "100000000/minute",
                "GATEWAY_RATE_LIMIT_PER_TOKEN": "100000000/minute",
            },
        )
        try:
            await stack.start()
            await seed(stack.gateway_url, stack.hq_password)
            hq = await login(stack.gateway_url, "hq", stack.hq_password)
            alice = await login(stack.gateway_url, "alice", "alice-demo-pass")
            async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as c:
                qty = EVENTS * ROUNDS * (len(SIZES) + 1) + 100
                r = await c.post(
                    "/v1/inventory/receipts",
                    headers={"Authorization": f"Bearer {hq}"},
                    json={
                        "location_id": "WH-EAST",
                        "reference": "feed-bench",
                        "lines": [{"sku": SKU, "qty": qty}],
                    },
                )
                r.raise_for_status()
            assert stack.nats_url
            base: list[list[float]] = []
            runs: dict[int, list[list[float]]] = {n: [] for n in SIZES}
            memory: dict[int, list[float]] = {n: [] for n in SIZES}
            for _ in range(ROUNDS):
                base.append(await direct_latencies(stack.nats_url, stack.gateway_url, alice))
                for n in SIZES:
                    lat, kib = await through_gateway(stack, n, (hq, alice))
                    runs[n].append(lat)
                    memory[n].append(kib)
        finally:
            stack.stop()
    print(
        f"\n## live feed: order paid (commit in orders) → SSE client, {EVENTS} payments at "
        f"{RATE:.0f}/s per round, median of {ROUNDS} rounds"
    )
    print(f"{'measure':<52} {'p50 ms':>9} {'p99 ms':>9}")
    line("baseline: JetStream subscriber on ORDERS, no gateway", base)
    for n in SIZES:
        kib = max(memory[n])  # the first round's growth: later rounds reuse freed memory
        line(
            f"through the gateway, {n} clients connected",
            runs[n],
            f"  gateway memory {kib:.0f} KiB per client",
        )
    print(f"target: p99 below {TARGET_P99_MS:.0f} ms with 1,000 clients")


if __name__ == "__main__":
    asyncio.run(main())
