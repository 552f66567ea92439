"""Real `python -m inventory` processes on one PostgreSQL: two replicas sharing the load
never oversell, and a replica killed between reserve and commit leaks nothing: after a
restart its sweep releases the hold, a late commit is refused, reconciliation is clean."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.grpc_client import open_channel
from chainstore.common.v1.common_pb2 import Money
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore_dev.testing import NatsServer, free_port, new_pg_database

pytestmark = pytest.mark.postgres
T = 15.0
SERVICE = "chainstore.inventory.v1.InventoryService"


class Replica:
    def __init__(self, db_url: str, nats_url: str, log: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "INVENTORY_DATABASE_URL": db_url,
            "INVENTORY_GRPC_PORT": str(self.port),
            "INVENTORY_EXPIRY_SWEEP_INTERVAL_S": "0.2",
            "NATS_URL": nats_url,
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "inventory", env=self.env, stderr=log
            )
        async with open_channel(self.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(200):
                assert self.proc.returncode is None, self.log.read_text()[-2000:]
                try:
                    reply = await health.Check(
                        health_pb2.HealthCheckRequest(service=SERVICE), timeout=1
                    )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("inventory did not start serving")

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(sig)
            await asyncio.wait_for(self.proc.wait(), 20)


@asynccontextmanager
async def replicas(
    n: int, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[tuple[list[Replica], list[inventory_pb2_grpc.InventoryServiceStub]]]:
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(new_pg_database("cs_inv_replicas"))
        nodes = [Replica(url, nats_server.url, tmp_path / f"inventory-{i}.log") for i in range(n)]
        for node in nodes:  # one after the other: the first one migrates the fresh database
            stack.push_async_callback(node.stop, signal.SIGKILL)
            await node.start()
        stubs = []
        for node in nodes:
            channel = await stack.enter_async_context(open_channel(node.address))
            stubs.append(inventory_pb2_grpc.InventoryServiceStub(channel))
        yield nodes, stubs


async def seed(stub: inventory_pb2_grpc.InventoryServiceStub, units: int) -> None:
    await stub.CreateProduct(
        pb.CreateProductRequest(
            product=pb.Product(sku="HOT-1", name="Hot", price=Money(amount=100, currency="CNY"))
        ),
        timeout=T,
    )
    for i, region in enumerate(["east", "west", "north"]):
        location = pb.Location(
            location_id=f"WH-{i}", name=f"WH {i}", kind=pb.LOCATION_KIND_WAREHOUSE, region=region
        )
        await stub.CreateLocation(pb.CreateLocationRequest(location=location), timeout=T)
        await stub.ReceiveStock(
            pb.ReceiveStockRequest(location_id=f"WH-{i}", lines=[{"sku": "HOT-1", "qty": units}]),
            timeout=T,
        )


def reserve_request(rid: str, expires: datetime) -> pb.ReserveRequest:
    request = pb.ReserveRequest(reservation_id=rid, lines=[{"sku": "HOT-1", "qty": 1}])
    request.expires_at.FromDatetime(expires)
    return request


async def outcome(call: Any) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as e:
        return e.code()
    return grpc.StatusCode.OK


async def totals(stub: inventory_pb2_grpc.InventoryServiceStub) -> tuple[int, int]:
    levels = (await stub.ListStockLevels(pb.ListStockLevelsRequest(sku="HOT-1"), timeout=T)).items
    return sum(x.on_hand for x in levels), sum(x.reserved for x in levels)


async def wait_for(check: Callable[[], Any], seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


async def test_two_replicas_share_the_load_without_overselling(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with replicas(2, nats_server, tmp_path) as (_nodes, stubs):
        await seed(stubs[0], units=20)
        later = datetime.now(UTC) + timedelta(hours=1)
        codes = await asyncio.gather(
            *(
                outcome(stubs[n % 2].Reserve(reserve_request(f"R-{n}", later), timeout=T))
                for n in range(240)
            )
        )
        assert codes.count(grpc.StatusCode.OK) == 60
        assert codes.count(grpc.StatusCode.FAILED_PRECONDITION) == 180
        winners = [f"R-{n}" for n, c in enumerate(codes) if c == grpc.StatusCode.OK]
        # Paid through the other replica than the one that reserved.
        await asyncio.gather(
            *(
                stubs[(int(r[2:]) + 1) % 2].CommitReservation(
                    pb.CommitReservationRequest(reservation_id=r), timeout=T
                )
                for r in winners
            )
        )
        assert await totals(stubs[1]) == (0, 0)
        report = await stubs[1].Reconcile(pb.ReconcileRequest(), timeout=T)
        assert report.clean, report.drifts


async def test_killed_between_reserve_and_commit_nothing_leaks(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with replicas(1, nats_server, tmp_path) as (nodes, stubs):
        await seed(stubs[0], units=5)
        soon = datetime.now(UTC) + timedelta(seconds=2)
        for n in range(6):
            await stubs[0].Reserve(reserve_request(f"R-{n}", soon), timeout=T)
        await stubs[0].CommitReservation(
            pb.CommitReservationRequest(reservation_id="R-0"), timeout=T
        )
        assert await totals(stubs[0]) == (14, 5)

        await nodes[0].stop(signal.SIGKILL)  # mid-flight: five holds, no graceful anything
        await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()))
        await nodes[0].start()  # same port, same database

        async def released() -> bool:
            return await totals(stubs[0]) == (14, 0)

        await wait_for(released)
        late = await outcome(
            stubs[0].CommitReservation(pb.CommitReservationRequest(reservation_id="R-1"), timeout=T)
        )
        assert late == grpc.StatusCode.FAILED_PRECONDITION
        paid = await stubs[0].CommitReservation(
            pb.CommitReservationRequest(reservation_id="R-0"), timeout=T
        )
        assert paid.state == pb.RESERVATION_STATE_COMMITTED  # what was paid stays paid
        report = await stubs[0].Reconcile(pb.ReconcileRequest(), timeout=T)
        assert report.clean, report.drifts
        assert await totals(stubs[0]) == (14, 0)
