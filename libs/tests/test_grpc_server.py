"""The gRPC bootstrap: health, correlation ids, and domain errors mapped to statuses."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc.error_details_pb2 import BadRequest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.errors import DomainError, FieldError, InvalidArgument, NotFound
from chainkit.grpc_client import open_channel, status_detail
from chainkit.grpc_server import create_server
from chainkit.logging import correlation_id
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc

seen_correlation: list[str] = []


class Servicer(inventory_pb2_grpc.InventoryServiceServicer):
    async def GetProduct(
        self, request: inventory_pb2.GetProductRequest, context: object
    ) -> inventory_pb2.Product:
        seen_correlation.append(correlation_id.get())
        if request.sku == "":
            raise InvalidArgument("bad request", [FieldError("sku", "must not be empty")])
        if request.sku == "boom":
            raise RuntimeError("a bug")
        raise NotFound(f"no product {request.sku}", details={"sku": request.sku})


def details_for(error: DomainError) -> Iterable[Message]:
    if isinstance(error, NotFound):
        yield SkuQty(sku=error.details["sku"], qty=0)


@pytest.fixture
async def stub() -> object:
    server, port, _health = await create_server(
        [lambda s: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(Servicer(), s)],
        ["chainstore.inventory.v1.InventoryService"],
        details_for=details_for,
    )
    channel = open_channel(f"127.0.0.1:{port}")
    yield channel
    await channel.close()
    await server.stop(None)


async def test_health_reports_serving_per_service(stub: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(stub)
    answer = await health.Check(
        health_pb2.HealthCheckRequest(service="chainstore.inventory.v1.InventoryService"),
        timeout=5,
    )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_domain_errors_become_status_codes_with_details(stub: grpc.aio.Channel) -> None:
    client = inventory_pb2_grpc.InventoryServiceStub(stub)
    token = correlation_id.set("corr-123")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await client.GetProduct(inventory_pb2.GetProductRequest(sku="X"), timeout=5)
    finally:
        correlation_id.reset(token)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert missing.value.details() == "no product X"
    assert status_detail(missing.value, SkuQty) == SkuQty(sku="X", qty=0)
    assert seen_correlation[-1] == "corr-123"

    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await client.GetProduct(inventory_pb2.GetProductRequest(sku=""), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = status_detail(invalid.value, BadRequest)
    assert bad is not None
    assert [(v.field, v.description) for v in bad.field_violations] == [
        ("sku", "must not be empty")
    ]

    with pytest.raises(grpc.aio.AioRpcError) as crash:
        await client.GetProduct(inventory_pb2.GetProductRequest(sku="boom"), timeout=5)
    assert crash.value.code() == grpc.StatusCode.INTERNAL
    assert "a bug" not in (crash.value.details() or "")
