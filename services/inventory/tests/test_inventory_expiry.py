"""Reservation expiry: the sweep releases overdue holds durably and once, whatever races it;
a late commit is refused with "reservation expired" and changes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.domain.errors import ReservationExpired
from inventory.domain.reservation import EXPIRED, Reservation, ReservationState
from inventory.entrypoints.sweeper import sweep_expired_forever
from inventory.service_layer.deps import Deps
from inventory.service_layer.expiry import release_expired
from inventory.service_layer.ledger import reconcile

T = 15.0


def at(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def later(deps: Deps, seconds: float) -> Deps:
    """The same wiring with its clock `seconds` ahead."""
    return replace(deps, clock=lambda: at(seconds))


async def reserve(inventory: Any, rid: str, expires: datetime, qty: int = 2) -> Any:
    request = pb.ReserveRequest(
        reservation_id=rid, lines=[{"sku": "TEA-1", "qty": qty}], region="east"
    )
    request.expires_at.FromDatetime(expires)
    return await inventory.stub.Reserve(request, timeout=T)


async def commit(inventory: Any, rid: str) -> Any:
    return await inventory.stub.CommitReservation(
        pb.CommitReservationRequest(reservation_id=rid), timeout=T
    )


async def setup(inventory: Any, units: int = 10) -> Any:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=units)
    return inventory.app.deps


async def level(inventory: Any) -> tuple[int, int]:
    found = (await inventory.levels(sku="TEA-1"))[("WH-1", "TEA-1")]
    return found.on_hand, found.reserved


async def release_lines(inventory: Any, rid: str) -> list[tuple[str, int, str]]:
    async with inventory.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT kind, reserved_delta, reason FROM inv_movement "
                "WHERE reference = :r AND kind = 'release'"
            ),
            {"r": rid},
        )
        return [tuple(r) for r in rows]


def test_domain_refuses_a_commit_past_the_deadline() -> None:
    held = Reservation("R", ReservationState.HELD, (), expires_at=at(-1))
    with pytest.raises(ReservationExpired):
        held.needs_commit(datetime.now(UTC))
    assert held.needs_commit(at(-3600))  # before the deadline it commits
    expired = held.released(EXPIRED, held.expiry_effect(datetime.now(UTC)))
    with pytest.raises(ReservationExpired):
        expired.needs_commit(datetime.now(UTC))


async def test_sweep_releases_overdue_holds_and_a_late_commit_is_refused(inventory: Any) -> None:
    deps = await setup(inventory)
    await reserve(inventory, "R-LATE", at(60))
    await reserve(inventory, "R-FRESH", at(3600))
    assert await level(inventory) == (10, 4)

    assert await release_expired(later(deps, 120)) == 1
    assert await release_expired(later(deps, 120)) == 0  # durable: nothing left to do
    assert await level(inventory) == (10, 2)
    assert await release_lines(inventory, "R-LATE") == [("release", -2, EXPIRED)]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await commit(inventory, "R-LATE")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "reservation expired"
    assert await level(inventory) == (10, 2)
    # Releasing (the order's own cancel) after the sweep is still an idempotent no-op.
    released = await inventory.stub.ReleaseReservation(
        pb.ReleaseReservationRequest(reservation_id="R-LATE", reason="cancel"), timeout=T
    )
    assert released.state == pb.RESERVATION_STATE_RELEASED
    assert len(await release_lines(inventory, "R-LATE")) == 1


async def test_commit_past_deadline_before_the_sweep_changes_nothing(inventory: Any) -> None:
    deps = await setup(inventory)
    await reserve(inventory, "R-1", at(-1))  # already overdue, not swept yet
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await commit(inventory, "R-1")
    assert (caught.value.code(), caught.value.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "reservation expired",
    )
    assert await level(inventory) == (10, 2)  # still held, not half-committed
    assert await release_expired(deps) == 1
    assert await level(inventory) == (10, 0)


async def test_concurrent_sweeps_commits_and_cancels_move_units_once(inventory: Any) -> None:
    deps = await setup(inventory, units=100)
    deadline = at(1)
    for n in range(20):
        await reserve(inventory, f"R-{n}", deadline, qty=1)
    await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.05)

    async def outcome(call: Any) -> Any:
        try:
            return await call
        except grpc.aio.AioRpcError as e:
            return e.code()

    results = await asyncio.gather(
        # Three "replicas" sweeping at once, racing late payments and cancels.
        *(release_expired(deps) for _ in range(3)),
        *(outcome(commit(inventory, f"R-{n}")) for n in range(0, 20, 2)),
        *(
            outcome(
                inventory.stub.ReleaseReservation(
                    pb.ReleaseReservationRequest(reservation_id=f"R-{n}", reason="cancel"),
                    timeout=T,
                )
            )
            for n in range(1, 20, 4)
        ),
    )
    # Every sweep result counts holds it released itself; cancels may have taken up to 5.
    assert 15 <= sum(results[:3]) <= 20
    assert all(r == grpc.StatusCode.FAILED_PRECONDITION for r in results[3:13])
    assert await level(inventory) == (100, 0)
    async with inventory.engine.connect() as conn:
        per_reservation = await conn.execute(
            text(
                "SELECT reference, COUNT(*) FROM inv_movement WHERE kind = 'release' "
                "GROUP BY reference"
            )
        )
        assert {count for _, count in per_reservation} == {1}
    report = await reconcile(deps)
    assert report.clean, report.drifts


async def test_the_sweeper_loop_releases_on_its_own(inventory: Any) -> None:
    deps = await setup(inventory)
    inventory.runtime.spawn(sweep_expired_forever(deps, 0.05), "test-expiry")
    await reserve(inventory, "R-1", at(0.3))
    assert await level(inventory) == (10, 2)
    for _ in range(100):
        if await level(inventory) == (10, 0):
            break
        await asyncio.sleep(0.05)
    assert await level(inventory) == (10, 0)
    status = await inventory.stub.ReleaseReservation(
        pb.ReleaseReservationRequest(reservation_id="R-1"), timeout=T
    )
    assert status.state == pb.RESERVATION_STATE_RELEASED
