"""The flash sale: the limited mooncake box goes on sale at 10:00 in one store.

2,000 purchase attempts at 64 concurrent clients (64 customer accounts, one per client)
for one new SKU with 200 units, all at one store's location (LOC-S001, which serves the
store's online orders). Every request must be answered, 201 or 409 naming what is
available; exactly 200 orders placed; afterwards inventory's ledger must reconcile (its
Reconcile finds no drift) and the store's level must read on hand 200, reserved 200.
Target p99 at most 250 ms (docs/performance.md). Run by run.py (part "flash").
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import aiohttp
import grpc
import httpx

from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1.inventory_pb2_grpc import InventoryServiceStub
from chainstore_dev.benchkit import CpuMeter, Result, drive, report
from chainstore_dev.devstack import Stack

SKU = "MOONCAKE-LTD"
LOCATION = "LOC-S001"
UNITS = 200
ATTEMPTS = 2000
CLIENTS = 64
TARGET_P99_MS = 250.0


async def prepare(stack: Stack, hq_token: str) -> list[str]:
    """The SKU, its 200 units at the store, and a token for each buyer."""
    headers = {"Authorization": f"Bearer {hq_token}"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, headers=headers) as c:
        product = {
            "sku": SKU,
            "name": "限量月饼礼盒",
            "category": "gifts",
            "price": 29800,
            "weight_g": 900,
            "spec": "8枚装",
        }
        (await c.post("/v1/products", json=product)).raise_for_status()
        receipt = {
            "location_id": LOCATION,
            "reference": "flash",
            "lines": [{"sku": SKU, "qty": UNITS}],
        }
        (await c.post("/v1/inventory/receipts", json=receipt)).raise_for_status()

        async def buyer(i: int) -> str:
            user = {
                "username": f"flash-buyer-{i:02d}",
                "password": "flash-buyer-pass",
                "role": "customer",
                "customer_id": f"C-FLASH-{i:02d}",
            }
            (await c.post("/v1/users", json=user)).raise_for_status()
            r = await c.post(
                "/v1/auth/token", json={"username": user["username"], "password": user["password"]}
            )
            r.raise_for_status()
            return str(r.json()["access_token"])

        return list(await asyncio.gather(*(buyer(i) for i in range(CLIENTS))))


def order(i: int) -> dict[str, object]:
    return {
        "store_id": "S001",
        "channel": "online",
        "lines": [{"sku": SKU, "qty": 1}],
        "shipping_address": {
            "name": f"买家{i}",
            "phone": "13800000000",
            "region": "east",
            "city": "Shanghai",
            "line1": f"{i} Century Ave",
        },
    }


async def sell(stack: Stack, tokens: list[str], cpu: CpuMeter) -> tuple[Result, Counter[int], str]:
    answers: Counter[int] = Counter()
    odd = ""
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def attempt(i: int) -> object:
            nonlocal odd
            headers = {
                "Authorization": f"Bearer {tokens[i % len(tokens)]}",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            url = f"{stack.gateway_url}/v1/orders"
            async with client.post(url, json=order(i), headers=headers) as r:
                answers[r.status] += 1
                body = await r.read()
                if r.status == 409 and b'"available"' not in body:
                    odd = odd or f"409 without what is available: {body[:300]!r}"
                elif r.status not in (201, 409):
                    odd = odd or f"{r.status}: {body[:300]!r}"
                return body

        cpu.start()
        result = await drive(
            "flash sale: POST /v1/orders", attempt, requests=ATTEMPTS, concurrency=CLIENTS
        )
        cpu.stop()
    return result, answers, odd


async def audit(stack: Stack) -> tuple[pb.StockLevel, pb.ReconcileResponse]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.port_of('inventory')}") as channel:
        stub = InventoryServiceStub(channel)
        levels = await stub.ListStockLevels(
            pb.ListStockLevelsRequest(sku=SKU, location_id=LOCATION)
        )
        reconciled = await stub.Reconcile(pb.ReconcileRequest(repair=False, actor="flash-bench"))
    [level] = [x for x in levels.items if x.location_id == LOCATION]
    return level, reconciled


async def flash_sale(stack: Stack, hq_token: str, baseline: Result, cpu: CpuMeter) -> bool:
    """Runs the sale on a seeded stack; prints the figures and whether every check held."""
    tokens = await prepare(stack, hq_token)
    result, answers, odd = await sell(stack, tokens, cpu)
    level, reconciled = await audit(stack)
    report(f"flash sale: {ATTEMPTS} attempts, {UNITS} units, {CLIENTS} clients", baseline, [result])
    p99 = result.percentile(99)
    print(f"answers by status: {dict(sorted(answers.items()))}")
    print(f"p99 {p99:.1f} ms (target: at most {TARGET_P99_MS:.0f} ms)")
    print(
        f"{LOCATION} {SKU}: on hand {level.on_hand}, reserved {level.reserved}, "
        f"available {level.available}; ledger reconciles: {reconciled.clean} "
        f"({len(reconciled.drifts)} drifts)"
    )
    cpu.report(ATTEMPTS, "attempt")
    checks = {
        "every request answered 201 or 409": set(answers) <= {201, 409} and not odd,
        f"exactly {UNITS} placed": answers[201] == UNITS,
        f"{UNITS} reserved, none left": (level.reserved, level.available) == (UNITS, 0),
        "ledger reconciles": reconciled.clean,
    }
    if odd:
        print(f"unexpected answer: {odd}")
    for name, held in checks.items():
        print(f"  {'ok  ' if held else 'FAIL'} {name}")
    return all(checks.values())
