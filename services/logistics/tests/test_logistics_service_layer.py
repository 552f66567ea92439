"""Use cases over the real SQL unit of work (SQLite and PostgreSQL) with a fake carrier API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit import events
from chainkit.errors import InvalidArgument, NotFound, Unauthenticated, Unavailable
from chainkit.outbox import OutboxMessage
from chainstore.logistics.v1 import events_pb2
from logistics.adapters.carriers.signed_push import sign
from logistics.adapters.tables import TrackingEventRow
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingStatus
from logistics.service_layer import commands, queries, shipping, stalls, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def order(order_id: str = "o-1", store_id: str = "s-1", **kw: Any) -> commands.CreateShipments:
    packages = kw.pop(
        "packages",
        [commands.PackageSpec("wh-light", 800), commands.PackageSpec("wh-heavy", 15_000)],
    )
    return commands.CreateShipments(
        order_id=order_id,
        store_id=store_id,
        region="east",
        city="Hangzhou",
        packages=packages,
        **kw,
    )


def push_body(waybill: str, *scans: tuple[str, str, int]) -> bytes:
    """(event_id, code, minutes after T0) → a sf webhook body."""
    return json.dumps(
        {
            "events": [
                {
                    "event_id": eid,
                    "waybill_no": waybill,
                    "code": code,
                    "at": (T0 + timedelta(minutes=m)).isoformat(),
                    "location": "Hangzhou",
                    "description": code,
                }
                for eid, code, m in scans
            ]
        }
    ).encode()


async def stored_events(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            (await session.execute(select(func.count(col(TrackingEventRow.id))))).scalar_one()
        )


async def swift_shipment(deps: Deps) -> Shipment:
    [shipment] = await shipping.create_shipments(
        deps, order(packages=[commands.PackageSpec("wh-1", 500)])
    )
    assert shipment.carrier == "sf"
    return shipment


async def test_create_shipments_is_idempotent(
    deps: Deps, carrier_api: Any, count_outbox: Any
) -> None:
    first = await shipping.create_shipments(deps, order())
    assert [(s.location_id, s.carrier) for s in first] == [
        ("wh-light", "sf"),
        ("wh-heavy", "zto"),
    ]
    assert first[0].waybill_no.startswith("SF") and first[1].waybill_no.startswith("ZT")
    assert first[0].estimated_delivery_at == T0 + timedelta(days=1)
    assert first[1].estimated_delivery_at == T0 + timedelta(days=3)
    assert first[0].status is TrackingStatus.INFO_RECEIVED
    assert "cheapest" in first[0].carrier_reason
    # The carrier was asked with reference = our deterministic shipment id.
    assert [ref for _, ref in carrier_api.create_calls] == [s.shipment_id for s in first]

    again = await shipping.create_shipments(deps, order())
    assert [(s.shipment_id, s.waybill_no) for s in again] == [
        (s.shipment_id, s.waybill_no) for s in first
    ]
    assert len(carrier_api.create_calls) == 2  # the retry found both shipments stored
    assert await count_outbox("logistics.shipment_created") == 2


async def test_override_and_validation_refuse_before_any_carrier_call(
    deps: Deps, carrier_api: Any, count_outbox: Any
) -> None:
    with pytest.raises(InvalidArgument) as bad:
        await shipping.create_shipments(
            deps, order(order_id="", packages=[commands.PackageSpec("", 0)])
        )
    assert {e.field for e in bad.value.errors} == {
        "order_id",
        "packages[0].location_id",
        "packages[0].weight_g",
    }
    with pytest.raises(InvalidArgument):
        # The light parcel would suit sf, the 25 kg one not: the whole request is refused.
        await shipping.create_shipments(
            deps,
            order(
                carrier="sf",
                packages=[commands.PackageSpec("wh-1", 500), commands.PackageSpec("wh-2", 25_000)],
            ),
        )
    assert carrier_api.create_calls == []
    [chosen] = await shipping.create_shipments(
        deps, order(carrier="zto", packages=[commands.PackageSpec("wh-1", 500)])
    )
    assert chosen.carrier == "zto" and "override" in chosen.carrier_reason


async def test_carrier_down_stores_nothing_and_a_retry_succeeds(
    deps: Deps, carrier_api: Any, count_outbox: Any
) -> None:
    carrier_api.down = True
    with pytest.raises(Unavailable):
        await shipping.create_shipments(deps, order())
    assert await count_outbox("logistics.shipment_created") == 0
    carrier_api.down = False
    assert len(await shipping.create_shipments(deps, order())) == 2


async def test_signed_push_is_recorded_and_emitted(
    deps: Deps, sessions: async_sessionmaker[AsyncSession], count_outbox: Any
) -> None:
    shipment = await swift_shipment(deps)
    body = push_body(shipment.waybill_no, ("e1", "PKP", 5), ("e2", "DEP", 30))
    result = await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    assert (result.accepted, result.duplicates) == (2, 0)
    found = await tracking.get_tracking(deps, shipment.waybill_no)
    assert found.status is TrackingStatus.IN_TRANSIT
    assert [e.raw_code for e in found.events] == ["PKP", "DEP"]
    assert await count_outbox("logistics.shipment_updated") == 2
    assert await stored_events(sessions) == 2


@pytest.mark.parametrize("signature", ["", "sha256=deadbeef", "wrong-secret", "tampered"])
async def test_bad_or_missing_signature_stores_nothing(
    deps: Deps,
    sessions: async_sessionmaker[AsyncSession],
    count_outbox: Any,
    signature: str,
) -> None:
    shipment = await swift_shipment(deps)
    body = push_body(shipment.waybill_no, ("e1", "DLV", 5))
    if signature == "wrong-secret":
        signature = sign(b"not-the-secret", body)
    elif signature == "tampered":
        signature = sign(SECRET, body)
        body = body.replace(b"DLV", b"RTS")
    with pytest.raises(Unauthenticated):
        await tracking.ingest_push(deps, "sf", body, signature)
    assert await stored_events(sessions) == 0
    assert await count_outbox("logistics.shipment_updated") == 0
    assert (await tracking.get_tracking(deps, shipment.waybill_no)).status is (
        TrackingStatus.INFO_RECEIVED
    )


async def test_replayed_push_is_a_no_op(
    deps: Deps, sessions: async_sessionmaker[AsyncSession], count_outbox: Any
) -> None:
    shipment = await swift_shipment(deps)
    body = push_body(shipment.waybill_no, ("e1", "PKP", 5), ("e2", "DEP", 30))
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    replay = await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    assert (replay.accepted, replay.duplicates) == (0, 2)
    assert await stored_events(sessions) == 2
    assert await count_outbox("logistics.shipment_updated") == 2


async def test_delivered_emits_exactly_one_shipment_delivered(
    deps: Deps, sessions: async_sessionmaker[AsyncSession], count_outbox: Any
) -> None:
    shipment = await swift_shipment(deps)
    delivered = push_body(shipment.waybill_no, ("e4", "DLV", 90))
    for _ in range(2):  # the carrier retries a push it thinks failed
        await tracking.ingest_push(deps, "sf", delivered, sign(SECRET, delivered))
    late = push_body(shipment.waybill_no, ("e3", "OFD", 60), ("e1", "PKP", 5))
    await tracking.ingest_push(deps, "sf", late, sign(SECRET, late))

    found = await tracking.get_tracking(deps, shipment.waybill_no)
    assert found.status is TrackingStatus.DELIVERED
    assert [e.raw_code for e in found.events] == ["PKP", "OFD", "DLV"]
    assert await count_outbox("logistics.shipment_delivered") == 1
    async with sessions() as session:
        row = (
            await session.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.subject) == "chainstore.logistics.shipment_delivered"
                )
            )
        ).scalar_one()
    env = events.parse(row.data)
    assert env.store_id == "s-1" and env.source == "logistics"
    payload = events.unpack(env, events_pb2.ShipmentDelivered)
    assert payload.shipment.shipment_id == shipment.shipment_id
    assert payload.shipment.waybill_no == shipment.waybill_no


async def test_push_for_unknown_waybill_or_carrier(
    deps: Deps, sessions: async_sessionmaker[AsyncSession]
) -> None:
    known = await swift_shipment(deps)
    body = json.dumps(
        {
            "events": [
                *json.loads(push_body(known.waybill_no, ("e1", "PKP", 5)))["events"],
                *json.loads(push_body("SW999999999999", ("e2", "PKP", 5)))["events"],
            ]
        }
    ).encode()
    # Refused as a whole so the carrier retries (it may be racing our commit).
    with pytest.raises(NotFound):
        await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    assert await stored_events(sessions) == 0
    with pytest.raises(InvalidArgument):
        await tracking.ingest_push(deps, "pigeon", body, sign(SECRET, body))
    with pytest.raises(NotFound):
        await tracking.get_tracking(deps, "SW999999999999")


async def test_list_shipments_filters_and_keyset_pages(deps: Deps, clock: Any) -> None:
    made: list[Shipment] = []
    for i in range(5):
        clock.advance(minutes=1)
        store = "s-1" if i % 2 == 0 else "s-2"
        made += await shipping.create_shipments(
            deps,
            order(order_id=f"o-{i}", store_id=store, packages=[commands.PackageSpec("w", 500)]),
        )
    page = await queries.list_shipments(deps, commands.ListShipments(limit=2))
    seen = [s.order_id for s in page.items]
    while page.next_cursor:
        page = await queries.list_shipments(
            deps, commands.ListShipments(limit=2, cursor=page.next_cursor)
        )
        seen += [s.order_id for s in page.items]
    assert seen == ["o-4", "o-3", "o-2", "o-1", "o-0"]  # newest first, no gaps or repeats

    by_store = await queries.list_shipments(deps, commands.ListShipments(store_id="s-2"))
    assert [s.order_id for s in by_store.items] == ["o-3", "o-1"]
    by_order = await queries.list_shipments(deps, commands.ListShipments(order_id="o-2"))
    assert [s.order_id for s in by_order.items] == ["o-2"]

    body = push_body(made[0].waybill_no, ("e1", "DLV", 10))
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    delivered = await queries.list_shipments(deps, commands.ListShipments(status="delivered"))
    assert [s.order_id for s in delivered.items] == ["o-0"]

    clock.advance(hours=25)  # never picked up after 24 h: the four still waiting stall
    assert (
        await queries.list_shipments(deps, commands.ListShipments(stalled_only=True))
    ).items == []
    await stalls.sweep(deps)  # the flag is raised by the sweep, then listed
    stalled = await queries.list_shipments(deps, commands.ListShipments(stalled_only=True))
    assert [s.order_id for s in stalled.items] == ["o-4", "o-3", "o-2", "o-1"]
    assert all(s.stalled and s.stalled_at == clock.now for s in stalled.items)

    with pytest.raises(InvalidArgument):
        await queries.list_shipments(deps, commands.ListShipments(status="lost"))
    with pytest.raises(InvalidArgument):
        await queries.list_shipments(deps, commands.ListShipments(cursor="garbage"))
