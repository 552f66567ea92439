"""`python -m inventory` starts from environment settings, serves, and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.grpc_client import open_channel
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore_dev.testing import NatsServer, free_port


async def _wait_serving(address: str, proc: asyncio.subprocess.Process) -> None:
    async with open_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(150):
            assert proc.returncode is None, "inventory exited at start"
            try:
                reply = await health.Check(
                    health_pb2.HealthCheckRequest(
                        service="chainstore.inventory.v1.InventoryService"
                    ),
                    timeout=1,
                )
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("inventory did not start serving")


async def test_module_runs_and_stops_gracefully(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "INVENTORY_DATABASE_URL": database_url,
        "INVENTORY_GRPC_PORT": str(port),
        "NATS_URL": nats_server.url,
    }
    log = (tmp_path / "inventory.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "inventory", env=env, cwd=tmp_path, stderr=log
    )
    try:
        address = f"127.0.0.1:{port}"
        await _wait_serving(address, proc)
        async with open_channel(address) as channel:
            stub = inventory_pb2_grpc.InventoryServiceStub(channel)
            reply = await stub.ListLocations(pb.ListLocationsRequest(), timeout=5)
            assert list(reply.items) == []
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()
    assert b"shutting down" in (tmp_path / "inventory.log").read_bytes()
