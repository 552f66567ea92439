"""Calls spread over every replica a client's address names, and survive one going away."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc


class Replica(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self) -> None:
        self.calls = 0

    async def GetProduct(
        self, request: inventory_pb2.GetProductRequest, context: object
    ) -> inventory_pb2.Product:
        self.calls += 1
        return inventory_pb2.Product(sku=request.sku)


async def start(replica: Replica) -> tuple[grpc.aio.Server, int]:
    server, port, _ = await create_server(
        [lambda s: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(replica, s)],
        ["chainstore.inventory.v1.InventoryService"],
    )
    return server, port


async def test_round_robin_over_two_replicas_and_on_when_one_stops() -> None:
    a, b = Replica(), Replica()
    server_a, port_a = await start(a)
    server_b, port_b = await start(b)
    channel = open_channel(f"ipv4:127.0.0.1:{port_a},127.0.0.1:{port_b}")
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)
    try:
        health = health_pb2_grpc.HealthStub(channel)
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True)
        for _ in range(40):
            await stub.GetProduct(inventory_pb2.GetProductRequest(sku="X"), timeout=5)
        assert a.calls >= 10 and b.calls >= 10, (a.calls, b.calls)
        await server_a.stop(None)
        before = b.calls
        for _ in range(20):  # every call lands on the replica that is left
            await stub.GetProduct(
                inventory_pb2.GetProductRequest(sku="X"), timeout=5, wait_for_ready=True
            )
        assert b.calls == before + 20
    finally:
        await channel.close()
        await server_b.stop(None)
