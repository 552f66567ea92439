"""A real inventory server for integration tests: the composition root main uses, on port 0,
against `database_url` (SQLite and PostgreSQL) and a real NATS JetStream server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.db import session_factory
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainkit.runtime import ServiceRuntime
from chainstore.common.v1.common_pb2 import Money, SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore_dev.testing import NatsServer
from inventory.entrypoints import bootstrap
from inventory.entrypoints.config import Settings
from inventory.entrypoints.errors import details_for

TIMEOUT = 15.0


def sku_lines(**qty: int) -> list[SkuQty]:
    """`sku_lines(TEA_1=2)` → [SkuQty("TEA-1", 2)] (underscores become dashes)."""
    return [SkuQty(sku=sku.replace("_", "-"), qty=q) for sku, q in qty.items()]


@dataclass
class InventoryUnderTest:
    stub: inventory_pb2_grpc.InventoryServiceStub
    engine: AsyncEngine
    runtime: ServiceRuntime
    nats_url: str
    app: bootstrap.InventoryApp  # its deps run use cases directly

    async def add_location(
        self,
        location_id: str,
        *,
        region: str = "east",
        priority: int = 1,
        kind: int = pb.LOCATION_KIND_WAREHOUSE,
        share_online: bool | None = None,
    ) -> pb.Location:
        request = pb.CreateLocationRequest(
            location=pb.Location(
                location_id=location_id,
                name=f"Location {location_id}",
                kind=kind,
                region=region,
                city="Shanghai",
                priority=priority,
            )
        )
        if share_online is not None:
            request.share_online = share_online
        return await self.stub.CreateLocation(request, timeout=TIMEOUT)

    async def add_product(self, sku: str, price: int = 1999, weight_g: int = 500) -> pb.Product:
        product = pb.Product(
            sku=sku,
            name=f"Product {sku}",
            category="tea",
            price=Money(amount=price, currency="CNY"),
            weight_g=weight_g,
        )
        return await self.stub.CreateProduct(
            pb.CreateProductRequest(product=product), timeout=TIMEOUT
        )

    async def receive(self, location_id: str, reference: str = "PO-1", **qty: int) -> Any:
        request = pb.ReceiveStockRequest(
            location_id=location_id, lines=sku_lines(**qty), reference=reference, actor="test"
        )
        return await self.stub.ReceiveStock(request, timeout=TIMEOUT)

    async def reserve(self, reservation_id: str, region: str = "east", **qty: int) -> Any:
        request = pb.ReserveRequest(
            reservation_id=reservation_id, lines=sku_lines(**qty), region=region
        )
        return await self.stub.Reserve(request, timeout=TIMEOUT)

    async def levels(self, sku: str = "", location_id: str = "") -> dict[tuple[str, str], Any]:
        response = await self.stub.ListStockLevels(
            pb.ListStockLevelsRequest(sku=sku, location_id=location_id), timeout=TIMEOUT
        )
        return {(x.location_id, x.sku): x for x in response.items}


@pytest.fixture
async def inventory(
    database_url: str, nats_server: NatsServer
) -> AsyncIterator[InventoryUnderTest]:
    settings = Settings.model_validate(
        {"NATS_URL": nats_server.url, "database_url": database_url, "outbox_poll_s": 0.1}
    )
    runtime = await ServiceRuntime.start(
        "inventory", settings, stream="INVENTORY", migrations=bootstrap.MIGRATIONS
    )
    app = bootstrap.bootstrap(
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
        sqlite_writers=runtime.sqlite_writers,
    )
    server, port, _health = await create_server(
        [app.register], app.service_names, port=0, details_for=details_for
    )
    channel = open_channel(f"127.0.0.1:{port}")
    try:
        yield InventoryUnderTest(
            inventory_pb2_grpc.InventoryServiceStub(channel),
            runtime.engine,
            runtime,
            nats_server.url,
            app,
        )
    finally:
        await channel.close()
        await server.stop(0)
        await app.aclose()
        await runtime.close()
