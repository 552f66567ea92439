"""Logistics test wiring: a migrated database, a fake carrier API, a settable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit.db import create_engine, session_factory
from chainkit.errors import Conflict, Unavailable
from chainkit.outbox import OutboxMessage
from chainstore_dev.testing.migrated import Migrate
from logistics.adapters.carriers.kuaidi100 import parse_push
from logistics.adapters.carriers.signed_push import parse_scans, verify_signature
from logistics.adapters.uow import LogisticsUnitOfWork
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan
from logistics.service_layer import commands, shipping
from logistics.service_layer.deps import Deps
from logistics.service_layer.ports import CarrierAdapter, CarrierRateLimited

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SECRET = b"test-carrier-secret"


class FakeCarrierApi:
    """Every carrier's API in memory: waybills by reference, scans set by the test.

    `adapters()` gives one CarrierAdapter per carrier code backed by this shared state;
    pushes are verified and parsed with the same pure functions the real adapters use.
    """

    PREFIXES: ClassVar[dict[str, str]] = {
        "sf": "SF",
        "zto": "ZT",
        "yto": "YT",
        "jd": "JD",
        "ems": "EM",
    }

    def __init__(self) -> None:
        self.waybills: dict[tuple[str, str], str] = {}
        self.scans: dict[str, list[CarrierScan]] = {}
        self.create_calls: list[tuple[str, str]] = []
        self.poll_calls: list[str] = []
        self.cancelled: list[str] = []
        self.picked_up: set[str] = set()  # waybills the carrier already holds
        self.rate_limited: dict[str, float] = {}  # carrier → Retry-After seconds
        self.down = False

    def adapters(self, secret: bytes) -> dict[str, CarrierAdapter]:
        return {code: FakeCarrier(self, code, secret) for code in self.PREFIXES}


class FakeCarrier:
    def __init__(self, api: FakeCarrierApi, code: str, secret: bytes) -> None:
        self.api, self.code, self._secret = api, code, secret

    async def create_waybill(
        self, *, reference: str, weight_g: int, region: str, city: str, service_level: str
    ) -> str:
        self.api.create_calls.append((self.code, reference))
        if self.api.down:
            raise Unavailable("carrier down")
        key = (self.code, reference)
        number = f"{self.api.PREFIXES[self.code]}{len(self.api.waybills) + 1:012d}"
        return self.api.waybills.setdefault(key, number)

    async def cancel_waybill(self, waybill_no: str) -> None:
        if self.api.down:
            raise Unavailable("carrier down")
        if waybill_no in self.api.picked_up:
            raise Conflict("already picked up")
        self.api.cancelled.append(waybill_no)

    async def poll_tracking(self, waybill_no: str) -> list[CarrierScan]:
        if self.code in self.api.rate_limited:
            raise CarrierRateLimited("slow down", self.api.rate_limited[self.code])
        self.api.poll_calls.append(waybill_no)
        if self.api.down:
            raise Unavailable("carrier down")
        return list(self.api.scans.get(waybill_no, []))

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        if self.code == "ems":  # tracked through the aggregator: its form, its sign
            return parse_push(body, self._secret.decode(), "ems")
        verify_signature(self._secret, body, signature)
        return parse_scans(body)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
async def engine(database_url: str, migrate: Migrate) -> AsyncIterator[AsyncEngine]:
    await migrate(database_url, MIGRATIONS)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def carrier_api() -> FakeCarrierApi:
    return FakeCarrierApi()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    carrier_api: FakeCarrierApi,
    clock: Clock,
) -> Deps:
    readers = session_factory(engine, read_only=True)
    return Deps(
        uow=lambda: LogisticsUnitOfWork(sessions),
        read_uow=lambda: LogisticsUnitOfWork(readers),
        adapters=carrier_api.adapters(SECRET),
        clock=clock,
        poll_base=timedelta(minutes=10),
    )


Ship = Callable[..., Awaitable[Shipment]]


@pytest.fixture
def ship(deps: Deps) -> Ship:
    """`await ship(carrier, order_id="o-1")`: one package from wh-1 to Hangzhou, shipped."""

    async def create(carrier: str, order_id: str = "o-1") -> Shipment:
        [made] = await shipping.create_shipments(
            deps,
            commands.CreateShipments(
                order_id=order_id,
                store_id="s-1",
                region="east",
                city="Hangzhou",
                packages=[commands.PackageSpec("wh-1", 800)],
                carrier=carrier,
            ),
        )
        return made

    return create


CountOutbox = Callable[[str], Awaitable[int]]


@pytest.fixture
def count_outbox(sessions: async_sessionmaker[AsyncSession]) -> CountOutbox:
    """How many outbox rows carry an event of this type (e.g. `logistics.shipment_created`)."""

    async def count(event_type: str) -> int:
        async with sessions() as session:
            found = await session.execute(
                select(func.count()).where(col(OutboxMessage.subject) == f"chainstore.{event_type}")
            )
            return int(found.scalar_one())

    return count


ServeAsgi = Callable[[Any, int], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _serve_asgi(app: Any, port: int) -> AsyncIterator[None]:
    """Run an ASGI app under a real uvicorn server on `port` for the block's duration."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        task.cancel()
        raise RuntimeError("uvicorn did not start")
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture
def serve_asgi() -> ServeAsgi:
    return _serve_asgi


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    return eventually
