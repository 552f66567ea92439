"""Events reach NATS through the outbox, with the envelope and payload of events.proto."""

from __future__ import annotations

import asyncio
from typing import Any, get_args

import grpc
import nats
import pytest
from nats.aio.msg import Msg
from sqlalchemy import text

from chainkit import events
from chainstore.inventory.v1 import events_pb2
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.adapters import event_codec
from inventory.domain.allocation import Allocation
from inventory.domain.events import Event
from inventory.domain.reservation import Reservation, ReservationState


async def test_events_are_published_on_inventory_subjects(inventory: Any) -> None:
    nc = await nats.connect(inventory.nats_url)
    received: asyncio.Queue[Msg] = asyncio.Queue()

    async def on_message(msg: Msg) -> None:
        await received.put(msg)

    await nc.subscribe("chainstore.inventory.>", cb=on_message)
    try:
        await inventory.add_location("WH-1")
        await inventory.add_product("TEA-1")
        await inventory.receive("WH-1", reference="PO-1", TEA_1=5)
        await inventory.reserve("R-1", TEA_1=2)
        await inventory.stub.CommitReservation(
            pb.CommitReservationRequest(reservation_id="R-1"), timeout=15
        )
        await inventory.stub.ReleaseReservation(
            pb.ReleaseReservationRequest(reservation_id="R-1", reason="cancel"), timeout=15
        )
        await inventory.stub.SellAtLocation(
            pb.SellAtLocationRequest(
                sale_id="S-1", location_id="WH-1", lines=[{"sku": "TEA-1", "qty": 1}]
            ),
            timeout=15,
        )
        seen = [await asyncio.wait_for(received.get(), 10) for _ in range(5)]
    finally:
        await nc.drain()

    assert [m.subject for m in seen] == [
        "chainstore.inventory.stock_received",
        "chainstore.inventory.stock_reserved",
        "chainstore.inventory.reservation_committed",
        "chainstore.inventory.reservation_released",
        "chainstore.inventory.stock_sold",
    ]
    envs = [events.parse(m.data) for m in seen]
    assert all(e.source == "inventory" for e in envs)
    assert all(
        m.headers and m.headers.get("Nats-Msg-Id") == e.event_id
        for m, e in zip(seen, envs, strict=True)
    )
    got = events.unpack(envs[0], events_pb2.StockReceived)
    assert (got.location_id, got.reference, [(x.sku, x.qty) for x in got.lines]) == (
        "WH-1",
        "PO-1",
        [("TEA-1", 5)],
    )
    reserved = events.unpack(envs[1], events_pb2.StockReserved)
    assert [(a.location_id, a.sku, a.qty) for a in reserved.allocations] == [("WH-1", "TEA-1", 2)]
    released = events.unpack(envs[3], events_pb2.ReservationReleased)
    assert (released.reason, released.restocked) == ("cancel", True)
    sold = events.unpack(envs[4], events_pb2.StockSold)
    assert (sold.sale_id, sold.location_id) == ("S-1", "WH-1")


async def test_refused_reservation_publishes_nothing(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await inventory.reserve("R-1", TEA_1=1)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    async with inventory.engine.connect() as conn:
        count = await conn.scalar(text("SELECT COUNT(*) FROM outbox"))
    assert count == 0


def test_every_domain_event_has_its_envelope() -> None:
    assert set(event_codec._ENCODERS) == set(get_args(Event))


def test_a_hold_records_stock_reserved_with_its_callers_correlation_id() -> None:
    held = (Allocation("WH-1", "TEA-1", 2, "region"),)
    r = Reservation.hold("R-1", held, correlation_id="cid-1")
    assert r == Reservation("R-1", ReservationState.HELD, held)  # events are not state
    [reserved] = event_codec.encode(r.events)
    env = events.parse(reserved.data)
    assert env.correlation_id == "cid-1" and env.source == "inventory"
    payload = events.unpack(env, events_pb2.StockReserved)
    assert payload.reservation_id == "R-1" and payload.allocations[0].qty == 2
