"""Receive, reserve, commit, release and till sales over gRPC, with the ledger checked."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import BadRequest
from sqlalchemy import text

from chainkit.grpc_client import detail_in, status_detail
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    detail = status_detail(error, BadRequest)
    assert detail is not None, error.details()
    return [v.field for v in detail.field_violations]


def available_detail(error: grpc.aio.AioRpcError) -> dict[str, int]:
    detail = status_detail(error, pb.InsufficientStock)
    assert detail is not None, error.details()
    return {x.sku: x.qty for x in detail.available}


async def ledger(inventory: Any, reference: str) -> list[tuple[str, str, str, int, int]]:
    async with inventory.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT kind, location_id, sku, on_hand_delta, reserved_delta FROM inv_movement "
                "WHERE reference = :r ORDER BY id"
            ),
            {"r": reference},
        )
        return [tuple(r) for r in rows]


async def chain(inventory: Any) -> None:
    """East: WH-E1 (priority 1), WH-E2 (priority 2), store ST-E (unshared). West: WH-W."""
    await inventory.add_location("WH-E1", region="east", priority=1)
    await inventory.add_location("WH-E2", region="east", priority=2)
    await inventory.add_location("WH-W", region="west", priority=0)
    await inventory.add_location("ST-E", region="east", kind=pb.LOCATION_KIND_STORE)
    for sku in ["TEA-1", "CUP-1"]:
        await inventory.add_product(sku)
    await inventory.receive("WH-E1", TEA_1=4, CUP_1=10)
    await inventory.receive("WH-E2", TEA_1=3)
    await inventory.receive("WH-W", TEA_1=50)
    await inventory.receive("ST-E", TEA_1=20)


def placed(reservation: Any) -> list[tuple[str, str, int]]:
    return [(a.location_id, a.sku, a.qty) for a in reservation.allocations]


async def test_receive_adds_stock_and_writes_the_ledger(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", reference="PO-7", TEA_1=5)
    response = await inventory.receive("WH-1", reference="PO-8", TEA_1=2)
    assert [(x.sku, x.on_hand, x.reserved) for x in response.levels] == [("TEA-1", 7, 0)]
    assert await ledger(inventory, "PO-8") == [("receipt", "WH-1", "TEA-1", 2, 0)]

    bad = await failure(
        inventory.stub.ReceiveStock(
            pb.ReceiveStockRequest(
                location_id="NOWHERE", lines=[{"sku": "NOPE", "qty": 1}, {"sku": "TEA-1", "qty": 0}]
            ),
            timeout=T,
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(bad) == ["lines[1].qty"]
    unknown = await failure(inventory.receive("NOWHERE", NOPE=1))
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(unknown) == ["location_id", "lines[0].sku"]


async def test_reserve_allocates_region_first_and_splits(inventory: Any) -> None:
    await chain(inventory)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    request = pb.ReserveRequest(
        reservation_id="R-1",
        lines=[{"sku": "TEA-1", "qty": 9}, {"sku": "CUP-1", "qty": 1}],
        region="east",
    )
    request.expires_at.FromDatetime(expires)
    r = await inventory.stub.Reserve(request, timeout=T)
    assert r.state == pb.RESERVATION_STATE_HELD
    assert placed(r) == [
        ("WH-E1", "TEA-1", 4),
        ("WH-E2", "TEA-1", 3),
        ("WH-W", "TEA-1", 2),
        ("WH-E1", "CUP-1", 1),
    ]
    # Asked for "east": locations made with "east" are stored as 华东 and still match.
    assert r.allocations[0].reason == "region_priority: same region 华东, priority 1, 4 available"
    assert r.allocations[2].reason == "region_priority: other region 西南, priority 0, 50 available"
    assert r.expires_at.ToDatetime(tzinfo=UTC) == expires

    levels = await inventory.levels(sku="TEA-1")
    assert [(k[0], v.reserved, v.available) for k, v in levels.items()] == [
        ("ST-E", 0, 20),
        ("WH-E1", 4, 0),
        ("WH-E2", 3, 0),
        ("WH-W", 2, 48),
    ]
    assert ("reservation", "WH-W", "TEA-1", 0, 2) in await ledger(inventory, "R-1")

    # Idempotent: the same id returns the original reservation and holds nothing more.
    again = await inventory.stub.Reserve(request, timeout=T)
    assert placed(again) == placed(r)
    assert [a.reason for a in again.allocations] == [a.reason for a in r.allocations]
    assert (await inventory.levels(sku="TEA-1"))[("WH-W", "TEA-1")].reserved == 2
    assert len(await ledger(inventory, "R-1")) == 4

    reused = await failure(inventory.reserve("R-1", TEA_1=1))
    assert reused.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_home_store_stock_only_for_its_own_orders(inventory: Any) -> None:
    await chain(inventory)
    own = await inventory.stub.Reserve(
        pb.ReserveRequest(
            reservation_id="R-OWN",
            lines=[{"sku": "TEA-1", "qty": 2}],
            region="east",
            home_location_id="ST-E",
        ),
        timeout=T,
    )
    # Same region and priority as WH-E1: the location id breaks the tie.
    assert placed(own) == [("ST-E", "TEA-1", 2)]
    # Without the home location the unshared store shelf is skipped.
    other = await inventory.reserve("R-OTHER", TEA_1=1)
    assert placed(other) == [("WH-E1", "TEA-1", 1)]


async def test_insufficient_stock_reports_availability_and_holds_nothing(inventory: Any) -> None:
    await chain(inventory)
    error = await failure(inventory.reserve("R-BIG", TEA_1=58, CUP_1=1))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Shared stock only: the unshared store's 20 units do not count.
    assert available_detail(error) == {"TEA-1": 57, "CUP-1": 10}
    assert all(level.reserved == 0 for level in (await inventory.levels()).values())
    missing = await failure(
        inventory.stub.CommitReservation(
            pb.CommitReservationRequest(reservation_id="R-BIG"), timeout=T
        )
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND


async def test_commit_then_release_restocks_and_both_are_idempotent(inventory: Any) -> None:
    await chain(inventory)
    await inventory.reserve("R-1", TEA_1=5)
    commit = pb.CommitReservationRequest(reservation_id="R-1")
    done = await inventory.stub.CommitReservation(commit, timeout=T)
    assert done.state == pb.RESERVATION_STATE_COMMITTED
    again = await inventory.stub.CommitReservation(commit, timeout=T)
    assert again.state == pb.RESERVATION_STATE_COMMITTED
    levels = await inventory.levels(sku="TEA-1")
    assert (levels[("WH-E1", "TEA-1")].on_hand, levels[("WH-E1", "TEA-1")].reserved) == (0, 0)
    assert (levels[("WH-E2", "TEA-1")].on_hand, levels[("WH-E2", "TEA-1")].reserved) == (2, 0)

    release = pb.ReleaseReservationRequest(reservation_id="R-1", reason="refunded")
    released = await inventory.stub.ReleaseReservation(release, timeout=T)
    assert released.state == pb.RESERVATION_STATE_RELEASED
    await inventory.stub.ReleaseReservation(release, timeout=T)
    levels = await inventory.levels(sku="TEA-1")
    assert levels[("WH-E1", "TEA-1")].on_hand == 4
    assert levels[("WH-E2", "TEA-1")].on_hand == 3
    assert await ledger(inventory, "R-1") == [
        ("reservation", "WH-E1", "TEA-1", 0, 4),
        ("reservation", "WH-E2", "TEA-1", 0, 1),
        ("commit", "WH-E1", "TEA-1", -4, -4),
        ("commit", "WH-E2", "TEA-1", -1, -1),
        ("return", "WH-E1", "TEA-1", 4, 0),
        ("return", "WH-E2", "TEA-1", 1, 0),
    ]
    late = await failure(inventory.stub.CommitReservation(commit, timeout=T))
    assert late.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_release_of_held_units_frees_them(inventory: Any) -> None:
    await chain(inventory)
    await inventory.reserve("R-2", CUP_1=6)
    release = pb.ReleaseReservationRequest(reservation_id="R-2", reason="payment timeout")
    for _ in range(2):
        released = await inventory.stub.ReleaseReservation(release, timeout=T)
        assert released.state == pb.RESERVATION_STATE_RELEASED
    level = (await inventory.levels(sku="CUP-1"))[("WH-E1", "CUP-1")]
    assert (level.on_hand, level.reserved) == (10, 0)
    assert await ledger(inventory, "R-2") == [
        ("reservation", "WH-E1", "CUP-1", 0, 6),
        ("release", "WH-E1", "CUP-1", 0, -6),
    ]


async def test_pos_sale_never_takes_reserved_units_and_is_idempotent(inventory: Any) -> None:
    await chain(inventory)
    await inventory.reserve("R-1", CUP_1=7)  # WH-E1 CUP-1: 10 on hand, 7 held
    sale = pb.SellAtLocationRequest(
        sale_id="S-1", location_id="WH-E1", lines=[{"sku": "CUP-1", "qty": 3}]
    )
    sold = await inventory.stub.SellAtLocation(sale, timeout=T)
    assert [(x.sku, x.qty) for x in sold.lines] == [("CUP-1", 3)]
    retried = await inventory.stub.SellAtLocation(sale, timeout=T)
    assert retried == sold
    level = (await inventory.levels(sku="CUP-1"))[("WH-E1", "CUP-1")]
    assert (level.on_hand, level.reserved, level.available) == (7, 7, 0)
    assert await ledger(inventory, "S-1") == [("sale", "WH-E1", "CUP-1", -3, 0)]

    more = pb.SellAtLocationRequest(
        sale_id="S-2",
        location_id="WH-E1",
        lines=[{"sku": "CUP-1", "qty": 1}, {"sku": "TEA-1", "qty": 1}],
    )
    error = await failure(inventory.stub.SellAtLocation(more, timeout=T))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert available_detail(error) == {"CUP-1": 0, "TEA-1": 4}
    assert (await inventory.levels(sku="TEA-1"))[("WH-E1", "TEA-1")].on_hand == 4

    store = pb.SellAtLocationRequest(
        sale_id="S-3", location_id="ST-E", lines=[{"sku": "TEA-1", "qty": 20}]
    )
    await inventory.stub.SellAtLocation(store, timeout=T)
    assert (await inventory.levels(location_id="ST-E"))[("ST-E", "TEA-1")].on_hand == 0


async def test_validation_errors_name_fields(inventory: Any) -> None:
    await chain(inventory)
    cases: list[tuple[Any, Any, list[str]]] = [
        (
            inventory.stub.Reserve,
            pb.ReserveRequest(lines=[{"sku": "", "qty": 1}, {"sku": "TEA-1", "qty": 0}]),
            ["reservation_id", "lines[0].sku", "lines[1].qty"],
        ),
        (inventory.stub.Reserve, pb.ReserveRequest(reservation_id="R"), ["lines"]),
        (
            inventory.stub.Reserve,
            pb.ReserveRequest(
                reservation_id="R", lines=[{"sku": "NOPE", "qty": 1}], home_location_id="NOWHERE"
            ),
            ["lines[0].sku", "home_location_id"],
        ),
        (
            inventory.stub.Reserve,
            pb.ReserveRequest(
                reservation_id="R", lines=[{"sku": "TEA-1", "qty": 1}], home_location_id="NOWHERE"
            ),
            ["home_location_id"],
        ),
        (
            inventory.stub.Reserve,
            pb.ReserveRequest(
                reservation_id="R", lines=[{"sku": "TEA-1", "qty": 1}, {"sku": "NOPE", "qty": 1}]
            ),
            ["lines[1].sku"],
        ),
        (
            inventory.stub.Reserve,
            pb.ReserveRequest(
                reservation_id="R", lines=[{"sku": "TEA-1", "qty": 1}], strategy="cheapest"
            ),
            ["strategy"],
        ),
        (
            inventory.stub.SellAtLocation,
            pb.SellAtLocationRequest(sale_id="S", lines=[{"sku": "TEA-1", "qty": -1}]),
            ["location_id", "lines[0].qty"],
        ),
        (
            inventory.stub.SellAtLocation,
            pb.SellAtLocationRequest(
                sale_id="S", location_id="NOWHERE", lines=[{"sku": "TEA-1", "qty": 1}]
            ),
            ["location_id"],
        ),
        (inventory.stub.CommitReservation, pb.CommitReservationRequest(), ["reservation_id"]),
        (inventory.stub.ReleaseReservation, pb.ReleaseReservationRequest(), ["reservation_id"]),
    ]
    for method, request, expected in cases:
        error = await failure(method(request, timeout=T))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, request
        assert bad_fields(error) == expected, request


async def test_reserve_reads_before_taking_the_sqlite_write_lock(inventory: Any) -> None:
    """Reserve's reads and decisions (idempotency, SKUs, allocation) run before BEGIN
    IMMEDIATE on SQLite: a request they refuse is answered while another writer holds the
    database's one write lock, instead of queueing behind it."""
    if inventory.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    await chain(inventory)
    async with inventory.engine.connect() as writer:
        await writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
        request = pb.ReserveRequest(reservation_id="R-LOCKED", lines=[{"sku": "NOPE", "qty": 1}])
        error = await failure(inventory.stub.Reserve(request, timeout=5))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        request = pb.ReserveRequest(reservation_id="R-MANY", lines=[{"sku": "CUP-1", "qty": 99}])
        error = await failure(inventory.stub.Reserve(request, timeout=5))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        await writer.rollback()
    ok = await inventory.reserve("R-LOCKED", TEA_1=1)
    assert [a.qty for a in ok.allocations] == [1]


async def test_reserve_many_answers_each_item_on_its_own(inventory: Any) -> None:
    await chain(inventory)
    requests = [
        pb.ReserveRequest(reservation_id="r-ok", lines=[{"sku": "TEA-1", "qty": 2}], region="east"),
        pb.ReserveRequest(reservation_id="r-big", lines=[{"sku": "CUP-1", "qty": 99}]),
        pb.ReserveRequest(reservation_id="", lines=[{"sku": "TEA-1", "qty": 1}]),
        pb.ReserveRequest(reservation_id="r-ok", lines=[{"sku": "TEA-1", "qty": 2}], region="east"),
    ]
    reply = await inventory.stub.ReserveMany(pb.ReserveManyRequest(items=requests), timeout=T)
    ok, short, invalid, again = reply.answers
    assert placed(ok.reservation) == [("WH-E1", "TEA-1", 2)]
    assert placed(again.reservation) == placed(ok.reservation)  # the same id replays
    assert short.refusal.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    shortage = detail_in(short.refusal.details, pb.InsufficientStock)
    assert shortage is not None and {x.sku: x.qty for x in shortage.available} == {"CUP-1": 10}
    assert invalid.refusal.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    fields = detail_in(invalid.refusal.details, BadRequest)
    assert fields is not None and [v.field for v in fields.field_violations] == ["reservation_id"]
    # Only the held one moved stock, once.
    assert await ledger(inventory, "r-ok") == [("reservation", "WH-E1", "TEA-1", 0, 2)]
