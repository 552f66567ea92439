"""Zero oversell: many buyers racing for the last units, settled by the database."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from chainkit.errors import Retryable
from chainkit.grpc_client import status_detail
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.domain.allocation import Allocation
from inventory.domain.reservation import Reservation, ReservationState
from inventory.service_layer.ports import NewReservation

RACERS = 240
UNITS_PER_LOCATION = 10


async def test_concurrent_reserves_never_oversell(inventory: Any) -> None:
    await inventory.add_product("HOT-1")
    for i, region in enumerate(["east", "west", "north"]):
        await inventory.add_location(f"WH-{i}", region=region, priority=i)
        await inventory.receive(f"WH-{i}", HOT_1=UNITS_PER_LOCATION)

    async def buy(n: int) -> grpc.StatusCode:
        try:
            await inventory.reserve(f"R-{n}", region="east", HOT_1=1)
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
                detail = status_detail(e, pb.InsufficientStock)
                assert detail is not None
                assert [(x.sku, x.qty) for x in detail.available] == [("HOT-1", 0)]
            return e.code()
        return grpc.StatusCode.OK

    codes = await asyncio.gather(*(buy(n) for n in range(RACERS)))
    assert codes.count(grpc.StatusCode.OK) == 3 * UNITS_PER_LOCATION
    assert codes.count(grpc.StatusCode.FAILED_PRECONDITION) == RACERS - 3 * UNITS_PER_LOCATION

    levels = await inventory.levels(sku="HOT-1")
    assert sum(x.reserved for x in levels.values()) == 3 * UNITS_PER_LOCATION
    assert all(0 <= x.reserved <= x.on_hand for x in levels.values())
    async with inventory.engine.connect() as conn:
        held = await conn.scalar(
            text(
                "SELECT COALESCE(SUM(l.qty), 0) FROM inv_reservation_line l "
                "JOIN inv_reservation r ON r.reservation_id = l.reservation_id "
                "WHERE r.state = 'held'"
            )
        )
        ledger = await conn.scalar(
            text("SELECT SUM(reserved_delta) FROM inv_movement WHERE kind = 'reservation'")
        )
    assert held == ledger == 3 * UNITS_PER_LOCATION

    # Every winner pays: exactly the stock there was is sold, nothing more, nothing held.
    winners = [f"R-{n}" for n, code in enumerate(codes) if code == grpc.StatusCode.OK]
    await asyncio.gather(
        *(
            inventory.stub.CommitReservation(
                pb.CommitReservationRequest(reservation_id=r), timeout=15
            )
            for r in winners
        )
    )
    levels = await inventory.levels(sku="HOT-1")
    assert [(x.on_hand, x.reserved) for x in levels.values()] == [(0, 0)] * 3
    report = await inventory.stub.Reconcile(pb.ReconcileRequest(), timeout=15)
    assert report.clean, report.drifts


async def test_concurrent_retries_of_one_reservation_hold_once(inventory: Any) -> None:
    await inventory.add_product("HOT-1")
    await inventory.add_location("WH-0")
    await inventory.receive("WH-0", HOT_1=10)
    results = await asyncio.gather(*(inventory.reserve("R-SAME", HOT_1=3) for _ in range(20)))
    assert {tuple((a.location_id, a.qty) for a in r.allocations) for r in results} == {
        (("WH-0", 3),)
    }
    assert (await inventory.levels(sku="HOT-1"))[("WH-0", "HOT-1")].reserved == 3


async def test_concurrent_till_sales_and_reserves_respect_on_hand(inventory: Any) -> None:
    await inventory.add_product("HOT-1")
    await inventory.add_location("ST-0", kind=pb.LOCATION_KIND_STORE, share_online=True)
    await inventory.receive("ST-0", HOT_1=20)

    async def outcome(call: Any) -> grpc.StatusCode:
        try:
            await call
        except grpc.aio.AioRpcError as e:
            return e.code()
        return grpc.StatusCode.OK

    def sell(n: int) -> Any:
        request = pb.SellAtLocationRequest(
            sale_id=f"S-{n}", location_id="ST-0", lines=[{"sku": "HOT-1", "qty": 1}]
        )
        return inventory.stub.SellAtLocation(request, timeout=15)

    outcomes = await asyncio.gather(
        *(outcome(sell(n)) for n in range(30)),
        *(outcome(inventory.reserve(f"R-{n}", HOT_1=1)) for n in range(30)),
    )
    assert set(outcomes) == {grpc.StatusCode.OK, grpc.StatusCode.FAILED_PRECONDITION}
    ok = [code == grpc.StatusCode.OK for code in outcomes]
    sold, reserved = sum(ok[:30]), sum(ok[30:])
    assert sold + reserved == 20
    level = (await inventory.levels(sku="HOT-1"))[("ST-0", "HOT-1")]
    assert (level.on_hand, level.reserved) == (20 - sold, reserved)


async def test_an_id_another_replica_stored_meanwhile_is_retryable_and_stores_nothing(
    inventory: Any,
) -> None:
    # Two replicas decided the same new id at once; the second to write finds it taken.
    await inventory.add_product("SKU-R")
    await inventory.add_location("WH-R")
    await inventory.receive("WH-R", SKU_R=5)
    uows = inventory.app.deps.uow
    held = [Allocation("WH-R", "SKU-R", 1, "test")]
    first = NewReservation(Reservation("R-SAME", ReservationState.HELD, tuple(held)), "", "", "")

    async with uows() as uow:
        assert await uow.hold([first], [], []) is not None  # takes 1 unit
        await uow.commit()
    other = Reservation("R-OTHER", ReservationState.HELD, tuple(held))
    both = [NewReservation(other, "", "", ""), first]
    with pytest.raises(Retryable):
        async with uows() as uow:
            await uow.hold(both, [], [])  # takes 2 units

    async with inventory.runtime.engine.connect() as conn:
        stored = await conn.execute(text("SELECT reservation_id FROM inv_reservation_line"))
        assert sorted(r[0] for r in stored) == ["R-SAME"]
