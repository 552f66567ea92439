"""The real gateway app against fake gRPC servers of our own (tests/fakes), started on
port 0.

The fakes implement only the RPCs the tests need, record every request, and fail through
chainkit's real server error mapping (status codes + status details), so the gateway's
translation is tested end to end. `backends.<svc>.fail_next` makes the next call raise.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI

from chainkit.grpc_server import create_server
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore.logistics.v1 import logistics_pb2_grpc
from chainstore.orders.v1 import orders_pb2_grpc
from chainstore_dev.testing.migrated import Migrate
from gateway.core.config import Settings
from gateway.core.security import Principal, Role, create_access_token
from gateway.main import MIGRATIONS, create_app

from .fakes.common import status_details
from .fakes.inventory import FakeInventory
from .fakes.logistics import FakeLogistics
from .fakes.orders import FakeOrders

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
HQ_PASSWORD = "hq-test-password"


@dataclass
class Backends:
    inventory: FakeInventory = field(default_factory=FakeInventory)
    orders: FakeOrders = field(default_factory=FakeOrders)
    logistics: FakeLogistics = field(default_factory=FakeLogistics)
    addrs: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def backends() -> AsyncIterator[Backends]:
    fakes = Backends()
    servers: list[grpc.aio.Server] = []
    wiring: list[tuple[str, Any, Callable[[Any, grpc.aio.Server], None], str]] = [
        (
            "inventory",
            fakes.inventory,
            inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
            "chainstore.inventory.v1.InventoryService",
        ),
        (
            "orders",
            fakes.orders,
            orders_pb2_grpc.add_OrdersServiceServicer_to_server,
            "chainstore.orders.v1.OrdersService",
        ),
        (
            "logistics",
            fakes.logistics,
            logistics_pb2_grpc.add_LogisticsServiceServicer_to_server,
            "chainstore.logistics.v1.LogisticsService",
        ),
    ]
    for name, fake, add, service_name in wiring:
        server, port, _health = await create_server(
            [functools.partial(add, fake)], [service_name], details_for=status_details
        )
        servers.append(server)
        fakes.addrs[name] = f"127.0.0.1:{port}"
    yield fakes
    for server in servers:
        await server.stop(None)


@pytest.fixture
def users_db_url(tmp_path: Path) -> str:
    """SQLite by default; the user-storage tests override it with `database_url` (both DBs)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
async def settings(backends: Backends, users_db_url: str, migrate: Migrate) -> Settings:
    """The users database is migrated here, once, rather than by each start-up of the app; and
    passwords are hashed at the lowest cost the settings allow (test_security_passwords tests
    the production cost)."""
    await migrate(users_db_url, MIGRATIONS)
    return Settings(
        environment="development",
        database_url=users_db_url,
        migrate_on_start=False,
        password_memory_kib=8 * 1024,
        password_time_cost=1,
        jwt_secret=JWT_SECRET,
        hq_password=HQ_PASSWORD,
        inventory_addr=backends.addrs["inventory"],
        orders_addr=backends.addrs["orders"],
        logistics_addr=backends.addrs["logistics"],
        nats_url="nats://127.0.0.1:1",
        live_feed=False,
        rpc_timeout_s=2.0,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


# `async with running(settings, **changes) as (app, client)`: a gateway of its own.
Running = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@asynccontextmanager
async def _running(
    settings: Settings, **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings.model_copy(update=changes))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield application, c


@pytest.fixture
def running() -> Running:
    """Starts a gateway with these settings (and `changes` to them) and a client of it, for
    tests that need more than one or settings of their own."""
    return _running


class Tokens:
    """Headers with valid tokens (tokens are stateless: no user row is needed)."""

    def __init__(self) -> None:
        self.hq = self.make("hq", username="hq")
        self.alice = self.make("customer", username="alice", customer_id="C-ALICE")
        self.staff_s1 = self.make("store", username="clerk1", store_id="S1")

    @staticmethod
    def make(
        role: Role, *, username: str = "", store_id: str = "", customer_id: str = ""
    ) -> dict[str, str]:
        principal = Principal(
            username=username or f"{role}-user",
            role=role,
            store_id=store_id or None,
            customer_id=customer_id or None,
        )
        token = create_access_token(principal, secret=JWT_SECRET, ttl_s=600)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()
