"""ListReservations: held ones by default, keyset pages by reservation_id, created_before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from chainstore.common.v1.common_pb2 import PageRequest
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def list_all(inventory: Any, limit: int, **kw: Any) -> tuple[list[str], int]:
    """Every id across pages, and how many pages it took."""
    ids: list[str] = []
    cursor, pages = "", 0
    while True:
        reply = await inventory.stub.ListReservations(
            pb.ListReservationsRequest(page=PageRequest(limit=limit, cursor=cursor), **kw),
            timeout=T,
        )
        pages += 1
        ids += [r.reservation_id for r in reply.items]
        cursor = reply.page.next_cursor
        if not cursor:
            return ids, pages


async def test_pages_held_reservations_by_id_with_their_allocations(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=100)
    for n in (5, 1, 4, 2, 3):
        await inventory.reserve(f"R-{n}", TEA_1=n)
    await inventory.stub.CommitReservation(
        pb.CommitReservationRequest(reservation_id="R-2"), timeout=T
    )
    await inventory.stub.ReleaseReservation(
        pb.ReleaseReservationRequest(reservation_id="R-4", reason="test"), timeout=T
    )

    held, pages = await list_all(inventory, limit=2)
    assert held == ["R-1", "R-3", "R-5"] and pages == 2
    first = await inventory.stub.ListReservations(pb.ListReservationsRequest(), timeout=T)
    by_id = {r.reservation_id: r for r in first.items}
    assert by_id["R-5"].state == pb.RESERVATION_STATE_HELD
    assert [(a.location_id, a.sku, a.qty) for a in by_id["R-5"].allocations] == [
        ("WH-1", "TEA-1", 5)
    ]
    committed, _ = await list_all(inventory, 10, state=pb.RESERVATION_STATE_COMMITTED)
    released, _ = await list_all(inventory, 10, state=pb.RESERVATION_STATE_RELEASED)
    assert (committed, released) == (["R-2"], ["R-4"])

    past, future = Timestamp(), Timestamp()
    past.FromDatetime(datetime.now(UTC) - timedelta(hours=1))
    future.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    assert (await list_all(inventory, 10, created_before=past))[0] == []
    assert (await list_all(inventory, 10, created_before=future))[0] == held


async def test_refuses_foreign_cursors_and_unknown_states(inventory: Any) -> None:
    for request in (
        pb.ListReservationsRequest(page=PageRequest(cursor="bm90LW91cnM=")),
        pb.ListReservationsRequest(state=99),  # type: ignore[arg-type]
        pb.ListReservationsRequest(page=PageRequest(limit=-1)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await inventory.stub.ListReservations(request, timeout=T)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
