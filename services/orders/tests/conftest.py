"""Fakes of OUR ports (inventory, logistics, clock) and a migrated database per test."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit.db import create_engine, session_factory
from chainkit.errors import Conflict, FieldError, InvalidArgument, NotFound
from chainkit.outbox import OutboxMessage
from chainstore_dev.testing.migrated import Migrate
from orders.domain.lines import LineRequest, ProductInfo, StockShortfall, UnknownSkus
from orders.domain.order import Address, Allocation, Package, Shipment
from orders.entrypoints.bootstrap import OrdersApp, bootstrap
from orders.entrypoints.config import Settings
from orders.service_layer import stores
from orders.service_layer.deps import Deps
from orders.service_layer.ports import PackageQuote

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

PRODUCTS = {
    "TEA-1": ProductInfo("TEA-1", "Green Tea", "drinks", 1200, "CNY", 250, spec="250g"),
    "MUG-1": ProductInfo("MUG-1", "Blue Mug", "kitchen", 3000, "CNY", 400),
    "PEN-1": ProductInfo("PEN-1", "Red Pen", "office", 500, "CNY", 20),
}
ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeInventory:
    """Inventory as our port sees it: warehouses wh-a (TEA, MUG) and wh-b (PEN), and the
    store's own location st-1. Idempotent by reservation/sale id, like the real one."""

    stock: dict[tuple[str, str], int] = field(
        default_factory=lambda: {
            ("wh-a", "TEA-1"): 10,
            ("wh-a", "MUG-1"): 5,
            ("wh-b", "PEN-1"): 50,
            ("st-1", "TEA-1"): 3,
        }
    )
    reservations: dict[str, list[Allocation]] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    sales: dict[str, list[LineRequest]] = field(default_factory=dict)
    destinations: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    withdrawn: set[str] = field(default_factory=set)  # SKUs taken out of the catalogue

    async def batch_get_products(self, skus: Sequence[str]) -> dict[str, ProductInfo]:
        self.calls["batch_get_products"] += 1
        unknown = [s for s in skus if s not in PRODUCTS or s in self.withdrawn]
        if unknown:
            raise NotFound(f"unknown SKU {unknown[0]}", details=UnknownSkus(tuple(unknown)))
        return {s: PRODUCTS[s] for s in skus}

    async def reserve(
        self,
        *,
        reservation_id: str,
        lines: Sequence[LineRequest],
        region: str,
        expires_at: datetime,
        home_location_id: str,
        strategy: str,
        destination: tuple[float, float] | None = None,
    ) -> list[Allocation]:
        self.calls["reserve"] += 1
        self.destinations[reservation_id] = destination
        if reservation_id in self.reservations:
            return self.reservations[reservation_id]
        picks = []
        for line in lines:
            loc = next(
                (loc for (loc, sku), n in self.stock.items() if sku == line.sku and n >= line.qty),
                None,
            )
            if loc is None:
                short = tuple(
                    (ln.sku, max((n for (_, s), n in self.stock.items() if s == ln.sku), default=0))
                    for ln in lines
                )
                raise Conflict("insufficient stock", details=StockShortfall(short))
            picks.append(Allocation(loc, line.sku, line.qty, "fake: first location with stock"))
        for a in picks:
            self.stock[(a.location_id, a.sku)] -= a.qty
        self.reservations[reservation_id] = picks
        self.states[reservation_id] = "held"
        return picks

    async def commit_reservation(self, reservation_id: str) -> None:
        self.calls["commit"] += 1
        if self.states.get(reservation_id) == "released":
            raise Conflict("reservation released")
        self.states[reservation_id] = "committed"

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        self.calls["release"] += 1
        if self.states.get(reservation_id) in ("held", "committed"):
            for a in self.reservations[reservation_id]:
                self.stock[(a.location_id, a.sku)] += a.qty
        self.states[reservation_id] = "released"

    async def sell_at_location(
        self, *, sale_id: str, location_id: str, lines: Sequence[LineRequest]
    ) -> None:
        self.calls["sell"] += 1
        if sale_id in self.sales:
            return
        for line in lines:
            if self.stock.get((location_id, line.sku), 0) < line.qty:
                have = self.stock.get((location_id, line.sku), 0)
                raise Conflict("insufficient stock", details=StockShortfall(((line.sku, have),)))
        for line in lines:
            self.stock[(location_id, line.sku)] -= line.qty
        self.sales[sale_id] = list(lines)


@dataclass(frozen=True)
class ShipmentRequest:
    """What orders asked logistics for (the choice itself is logistics' business)."""

    order_id: str
    carrier: str
    service_level: str
    preferred_carrier: str
    customer_id: str = ""
    order_no: str = ""


@dataclass
class FakeLogistics:
    created: dict[tuple[str, str], Shipment] = field(default_factory=dict)
    packages: list[Package] = field(default_factory=list)
    requests: list[ShipmentRequest] = field(default_factory=list)
    quotes: list[ShipmentRequest] = field(default_factory=list)
    # Overrides it refuses, the way logistics refuses a carrier that cannot serve the parcel.
    refuse: frozenset[str] = frozenset()

    async def create_shipments(
        self,
        *,
        order_id: str,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
        customer_id: str = "",
        order_no: str = "",
    ) -> list[Shipment]:
        self.requests.append(
            ShipmentRequest(
                order_id, carrier, service_level, preferred_carrier, customer_id, order_no
            )
        )
        carrier, _ = self._choose(destination, carrier, preferred_carrier)
        out = []
        for p in packages:
            key = (order_id, p.location_id)
            if key not in self.created:
                self.packages.append(p)
                n = len(self.created) + 1
                self.created[key] = Shipment(f"shp-{n}", p.location_id, carrier, f"SW{n:08d}")
            out.append(self.created[key])
        return out

    async def quote_shipments(
        self,
        *,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
    ) -> list[PackageQuote]:
        """The carrier create_shipments would pick, with the same refusals; records nothing
        but the question."""
        self.quotes.append(ShipmentRequest("", carrier, service_level, preferred_carrier))
        chosen, rule = self._choose(destination, carrier, preferred_carrier)
        return [
            PackageQuote(
                location_id=p.location_id,
                carrier=chosen,
                service_level=service_level or "standard",
                rule=rule,
                reason=f"{rule}: {chosen}",
                price=800,
                days=2,
                weight_g=p.weight_g,
                eligible=("swift", preferred_carrier) if preferred_carrier else ("swift",),
            )
            for p in packages
        ]

    def _choose(self, destination: Address, carrier: str, preferred: str) -> tuple[str, str]:
        if carrier in self.refuse:
            message = f"{carrier} does not serve region {destination.region!r}"
            raise InvalidArgument(message, [FieldError("carrier", message)])
        if carrier:
            return carrier, "override"
        return (preferred, "preference") if preferred else ("swift", "cheapest")


@pytest.fixture
async def sessions(
    database_url: str, migrate: Migrate
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await migrate(database_url, MIGRATIONS)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def settings() -> Settings:
    """The service's settings in tests: peers are fakes (or at the addresses a test sets with
    model_copy), stores are read afresh (no TTL)."""
    return Settings(INVENTORY_ADDR="127.0.0.1:1", LOGISTICS_ADDR="127.0.0.1:1", master_data_ttl_s=0)


@pytest.fixture
def inventory() -> FakeInventory:
    return FakeInventory()


@pytest.fixture
def logistics() -> FakeLogistics:
    return FakeLogistics()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    inventory: FakeInventory,
    logistics: FakeLogistics,
    clock: FakeClock,
) -> OrdersApp:
    wired = bootstrap(settings, sessions, inventory=inventory, logistics=logistics)
    wired.deps = Deps(wired.deps.uow, inventory, logistics, clock)
    await stores.create_store(
        wired.deps,
        store_id="s1",
        name="People's Square",
        region="east",
        city="Shanghai",
        kind="direct",
        location_id="st-1",
    )
    return wired


class Probe:
    """Looks into the orders database the way a test needs to."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def event_types(self) -> list[str]:
        async with self._sessions() as s:
            stmt = select(col(OutboxMessage.subject)).order_by(col(OutboxMessage.id))
            return [x.removeprefix("chainstore.") for x in (await s.execute(stmt)).scalars()]

    async def count(self, table: str) -> int:
        async with self._sessions() as s:
            result = await s.execute(select(func.count()).select_from(sa_table(table)))
            return int(result.scalar_one())


@pytest.fixture
def probe(sessions: async_sessionmaker[AsyncSession]) -> Probe:
    return Probe(sessions)
