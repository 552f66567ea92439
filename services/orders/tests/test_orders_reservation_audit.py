"""Holds without a live order: the audit use case with fakes of its own port, and end to end
against a real inventory gRPC server and orders' real SQL unit of work."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import BadRequest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.db import create_engine, session_factory
from chainkit.errors import NotFound, Unavailable
from chainkit.grpc_client import open_channel, status_detail
from chainkit.grpc_server import create_server
from chainkit.migrations import upgrade_async
from chainstore.common.v1.common_pb2 import Money, SkuQty
from chainstore.inventory.v1 import inventory_pb2 as ipb
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore.orders.v1 import reservation_audit_pb2 as rapb
from chainstore.orders.v1 import reservation_audit_pb2_grpc
from chainstore_dev.testing.infra import new_pg_database
from inventory.entrypoints import bootstrap as inventory_bootstrap
from inventory.entrypoints.config import Settings as InventorySettings
from inventory.entrypoints.errors import details_for
from orders.adapters.inventory_client import GrpcInventory
from orders.domain.lines import LineRequest, UnknownSkus
from orders.domain.order import Address, OrderStatus
from orders.entrypoints import operations
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import bootstrap
from orders.entrypoints.config import Settings
from orders.entrypoints.operations import SERVICE_NAME as AUDIT_SERVICE
from orders.entrypoints.operations import ReservationAuditServicer
from orders.service_layer import commands, order_actions, stores
from orders.service_layer.create_order import create_order
from orders.service_layer.deps import Deps
from orders.service_layer.reservation_audit import ORPHAN_REASON, audit_reservations

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
OLD = NOW - timedelta(minutes=10)
T = 15.0

# --- the use case, with fakes of its ports ------------------------------------------------


@dataclass
class FakeHolds:
    """Inventory's held reservations as the audit's port sees them: id → created_at."""

    held: dict[str, datetime] = field(default_factory=dict)
    released: dict[str, str] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    async def held_reservations(
        self, *, created_before: datetime, cursor: str, limit: int
    ) -> tuple[list[str], str]:
        self.calls["list"] += 1
        ids = sorted(i for i, at in self.held.items() if at < created_before and i > cursor)
        page = ids[:limit]
        return page, (page[-1] if len(ids) > limit else "")

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        self.calls["release"] += 1
        if self.held.pop(reservation_id, None) is not None:
            self.released[reservation_id] = reason


class FakeOrdersUow:
    """Just what the audit reads: an order's status by id."""

    def __init__(self, statuses: dict[str, OrderStatus]) -> None:
        self.orders = self
        self._statuses = statuses

    async def get(self, order_id: str) -> Any:
        status = self._statuses.get(order_id)
        return None if status is None else SimpleNamespace(status=status)

    async def __aenter__(self) -> FakeOrdersUow:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


STATUSES = {
    "o-pending": OrderStatus.PENDING_PAYMENT,
    "o-paid": OrderStatus.PAID,
    "o-cancelled": OrderStatus.CANCELLED,
    "o-shipped": OrderStatus.SHIPPED,
    "o-completed": OrderStatus.COMPLETED,
}


def world() -> tuple[FakeHolds, Any]:
    holds = FakeHolds({oid: OLD for oid in [*STATUSES, "o-unknown"]})
    holds.held["o-young-unknown"] = NOW - timedelta(seconds=30)
    return holds, lambda: FakeOrdersUow(STATUSES)


async def test_reports_holds_without_a_live_order_and_skips_live_and_young_ones() -> None:
    holds, uows = world()
    report = await audit_reservations(uows, holds, now=NOW, grace_s=120, page_size=2)
    assert {(o.reservation_id, o.order_status) for o in report.orphans} == {
        ("o-cancelled", "cancelled"),
        ("o-completed", "completed"),
        ("o-shipped", "shipped"),
        ("o-unknown", "missing"),
    }
    assert report.checked == 6 and not report.clean  # the young one was never looked at
    assert report.unresolved == report.orphans
    assert holds.calls["list"] == 3 and holds.calls["release"] == 0  # paged, nothing touched

    # Past the grace period the young one counts too.
    later = await audit_reservations(uows, holds, now=NOW + timedelta(minutes=5))
    assert "o-young-unknown" in {o.reservation_id for o in later.orphans}


async def test_repair_releases_each_orphan_once_with_the_orphan_reason() -> None:
    holds, uows = world()
    report = await audit_reservations(uows, holds, now=NOW, repair=True)
    assert report.unresolved == [] and all(o.released for o in report.orphans)
    assert report.released == 4
    assert holds.released == dict.fromkeys(
        ["o-cancelled", "o-completed", "o-shipped", "o-unknown"], ORPHAN_REASON
    )
    assert holds.calls["release"] == 4
    assert set(holds.held) == {"o-pending", "o-paid", "o-young-unknown"}

    again = await audit_reservations(uows, holds, now=NOW, repair=True)
    assert again.clean and holds.calls["release"] == 4  # nothing released twice


async def test_a_failed_release_is_reported_unresolved() -> None:
    holds, uows = world()

    async def refuse(reservation_id: str, reason: str) -> None:
        raise Unavailable("inventory is down")

    holds.release_reservation = refuse  # type: ignore[method-assign]
    report = await audit_reservations(uows, holds, now=NOW, repair=True)
    assert len(report.unresolved) == 4
    assert all("inventory is down" in o.error for o in report.unresolved)


async def test_the_rpc_refuses_a_negative_grace_period() -> None:
    holds, uows = world()
    audit = ReservationAuditServicer(uows, holds, grace_s=120)
    server, port, _health = await create_server([audit.register], [AUDIT_SERVICE], port=0)
    channel = open_channel(f"127.0.0.1:{port}")
    stub = reservation_audit_pb2_grpc.ReservationAuditServiceStub(channel)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.AuditReservations(
                rapb.AuditReservationsRequest(grace_s=-1, repair=True), timeout=T
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        detail = status_detail(caught.value, BadRequest)
        assert detail is not None, caught.value.details()
        assert [(v.field, v.description) for v in detail.field_violations] == [
            ("grace_s", "must not be negative")
        ]
        assert holds.calls["list"] == 0 and holds.calls["release"] == 0  # refused, not clamped
    finally:
        await channel.close()
        await server.stop(0)


# --- end to end: real inventory over gRPC, orders' real database -------------------------


class LosesReleases:
    """Our inventory client, except that releases never arrive (a crash, a partition)."""

    def __init__(self, inner: GrpcInventory) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        raise Unavailable("inventory unreachable")


@pytest.fixture
async def inventory_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """Inventory's own database, on the same kind of server as orders'."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
        return
    async with new_pg_database("cs_inv") as url:
        yield url


@pytest.fixture
async def inventory_addr(inventory_url: str) -> AsyncIterator[str]:
    await upgrade_async(inventory_url, inventory_bootstrap.MIGRATIONS)
    engine = create_engine(inventory_url)
    app = inventory_bootstrap.bootstrap(InventorySettings(), session_factory(engine))
    server, port, _health = await create_server(
        [app.register], app.service_names, port=0, details_for=details_for
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)
        await engine.dispose()


async def seed(stub: inventory_pb2_grpc.InventoryServiceStub) -> None:
    for loc, kind in (("WH-1", ipb.LOCATION_KIND_WAREHOUSE), ("ST-1", ipb.LOCATION_KIND_STORE)):
        location = ipb.Location(location_id=loc, name=loc, kind=kind, region="east", priority=1)
        await stub.CreateLocation(ipb.CreateLocationRequest(location=location), timeout=T)
    product = ipb.Product(
        sku="TEA-1", name="Tea", category="tea", price=Money(amount=1200, currency="CNY")
    )
    await stub.CreateProduct(ipb.CreateProductRequest(product=product), timeout=T)
    lines = [SkuQty(sku="TEA-1", qty=10)]
    await stub.ReceiveStock(ipb.ReceiveStockRequest(location_id="WH-1", lines=lines), timeout=T)


def order(customer: str) -> commands.CreateOrder:
    address = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
    return commands.CreateOrder(
        store_id="s1",
        customer_id=customer,
        channel="online",
        lines=(LineRequest("TEA-1", 1),),
        shipping_address=address,
    )


async def held_total(stub: inventory_pb2_grpc.InventoryServiceStub) -> int:
    reply = await stub.ListStockLevels(ipb.ListStockLevelsRequest(sku="TEA-1"), timeout=T)
    return sum(x.reserved for x in reply.items)


async def test_orphans_are_found_and_released_and_inventory_reconciles_clean(
    inventory_addr: str,
    database_url: str,
    settings: Settings,
    logistics: Any,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = open_channel(inventory_addr)
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)
    client = GrpcInventory.connect(inventory_addr)
    try:
        await seed(stub)
        app = bootstrap(settings, sessions, inventory=client, logistics=logistics)
        await stores.create_store(
            app.deps,
            store_id="s1",
            name="S1",
            region="east",
            city="Shanghai",
            kind="direct",
            location_id="ST-1",
        )
        live = answer.order(await create_order(app.deps, order("c-live")))
        cancelled = answer.order(await create_order(app.deps, order("c-gone")))
        # The cancel commits in orders, but its release never reaches inventory.
        lossy = Deps(app.deps.uow, LosesReleases(client), app.deps.logistics)  # type: ignore[arg-type]
        await order_actions.cancel_order(lossy, commands.CancelOrder(cancelled.order_id))
        # A hold whose order never got written (orders crashed after Reserve).
        await stub.Reserve(
            ipb.ReserveRequest(
                reservation_id="0d7c1c8e-0000-4000-8000-00000000dead",
                lines=[SkuQty(sku="TEA-1", qty=2)],
                region="east",
            ),
            timeout=T,
        )
        assert await held_total(stub) == 4

        settings = operations.AuditSettings.model_validate(
            {"database_url": database_url, "INVENTORY_ADDR": inventory_addr}
        )
        # Everything is younger than the default grace period: nothing to say yet.
        assert await operations.main([], settings) == 0
        assert json.loads(capsys.readouterr().out)["checked"] == 0

        assert await operations.main(["--grace-s", "0"], settings) == 1
        found = json.loads(capsys.readouterr().out)
        assert found["checked"] == 3 and found["released"] == 0
        assert {(o["reservation_id"], o["order_status"]) for o in found["orphans"]} == {
            (cancelled.order_id, "cancelled"),
            ("0d7c1c8e-0000-4000-8000-00000000dead", "missing"),
        }
        assert await held_total(stub) == 4  # report mode touched nothing

        assert await operations.main(["--repair", "--grace-s", "0"], settings) == 0
        repaired = json.loads(capsys.readouterr().out)
        assert repaired["released"] == 2 and all(o["released"] for o in repaired["orphans"])
        assert await held_total(stub) == 1  # only the live order's unit is still held
        still_held = await stub.ListReservations(ipb.ListReservationsRequest(), timeout=T)
        assert [r.reservation_id for r in still_held.items] == [live.order_id]

        movements = await stub.ListMovements(ipb.ListMovementsRequest(sku="TEA-1"), timeout=T)
        orphan_lines = [m for m in movements.items if m.reason == ORPHAN_REASON]
        assert sorted(m.reserved_delta for m in orphan_lines) == [-2, -1]
        reconciled = await stub.Reconcile(ipb.ReconcileRequest(), timeout=T)
        assert reconciled.clean, reconciled.drifts

        assert await operations.main(["--repair", "--grace-s", "0"], settings) == 0
        assert json.loads(capsys.readouterr().out)["orphans"] == []
    finally:
        await client.close()
        await channel.close()


async def test_the_real_inventory_names_each_unknown_sku_exactly(inventory_addr: str) -> None:
    """Against inventory's own servicer, not a fake of its wire format: TEA-1 is known, so
    only TEA-10 is named (a substring search in the message once named both)."""
    channel = open_channel(inventory_addr)
    await seed(inventory_pb2_grpc.InventoryServiceStub(channel))
    client = GrpcInventory.connect(inventory_addr)
    try:
        with pytest.raises(NotFound) as unknown:
            await client.batch_get_products(["TEA-1", "TEA-10"])
        assert unknown.value.details == UnknownSkus(("TEA-10",))
    finally:
        await client.close()
        await channel.close()
