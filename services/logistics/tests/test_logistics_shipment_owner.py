"""Whose shipment it is (customer id, order number) rides on every answer and every event,
so the gateway's live feed can scope shipment events to a customer and link the order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit import events
from chainkit.outbox import OutboxMessage
from chainstore.logistics.v1 import events_pb2
from logistics.adapters.carriers.signed_push import sign
from logistics.service_layer import cancelling, commands, queries, shipping, stalls, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"
OWNER = ("cust-42", "SO-20250301-0042")
PAYLOADS: dict[str, type[Message]] = {
    "logistics.shipment_created": events_pb2.ShipmentCreated,
    "logistics.shipment_updated": events_pb2.ShipmentUpdated,
    "logistics.shipment_exception": events_pb2.ShipmentException,
    "logistics.shipment_stalled": events_pb2.ShipmentStalled,
    "logistics.shipment_unstalled": events_pb2.ShipmentUnstalled,
    "logistics.shipment_delivered": events_pb2.ShipmentDelivered,
    "logistics.shipment_cancelled": events_pb2.ShipmentCancelled,
}


def owned_order() -> commands.CreateShipments:
    return commands.CreateShipments(
        order_id="o-42",
        store_id="s-1",
        region="east",
        city="Hangzhou",
        packages=[commands.PackageSpec("wh-sf", 500), commands.PackageSpec("wh-zto", 15_000)],
        customer_id=OWNER[0],
        order_no=OWNER[1],
    )


def swift_push(waybill: str, event_id: str, code: str, at: datetime) -> bytes:
    doc = {
        "events": [
            {"event_id": event_id, "waybill_no": waybill, "code": code, "at": at.isoformat()}
        ]
    }
    return json.dumps(doc).encode()


async def shipment_events(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, Any]]:
    """(event type, the payload's Shipment) for every shipment event in the outbox."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage)
                .where(col(OutboxMessage.subject).like("chainstore.logistics.shipment_%"))
                .order_by(col(OutboxMessage.id))
            )
        ).scalars()
        envelopes = [events.parse(r.data) for r in rows]
    found: list[tuple[str, Any]] = []
    for env in envelopes:
        payload: Any = events.unpack(env, PAYLOADS[env.type])
        found.append((env.type, payload.shipment))
    return found


async def test_owner_is_stored_answered_and_on_every_shipment_event(
    deps: Deps, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = await shipping.create_shipments(deps, owned_order())
    assert [(s.customer_id, s.order_no) for s in made] == [OWNER, OWNER]
    sf, zto = made
    assert (sf.carrier, zto.carrier) == ("sf", "zto")
    # A retry answers from the database: the columns were stored, not just echoed.
    again = await shipping.create_shipments(deps, owned_order())
    assert [(s.customer_id, s.order_no) for s in again] == [OWNER, OWNER]
    listed = await queries.list_shipments(deps, commands.ListShipments(order_id="o-42"))
    assert {(s.customer_id, s.order_no) for s in listed.items} == {OWNER}

    # Cancel the zto parcel, drive the sf one through every other kind of event.
    await cancelling.cancel_shipment(deps, commands.CancelShipment(zto.shipment_id, "x"))

    def push(event_id: str, code: str) -> bytes:
        return swift_push(sf.waybill_no, event_id, code, clock.now)

    for event_id, code, then_hours in (("e1", "PKP", 25), ("e2", "DEP", 1), ("e3", "EXC", 1)):
        body = push(event_id, code)
        await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
        clock.advance(hours=then_hours)
        if code == "PKP":
            assert (await stalls.sweep(deps)).flagged == [sf.shipment_id]
    body = push("e4", "DLV")
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    found = await tracking.get_tracking(deps, sf.waybill_no)
    assert (found.customer_id, found.order_no) == OWNER

    emitted = await shipment_events(sessions)
    assert {t for t, _ in emitted} == set(PAYLOADS)  # all seven kinds were raised
    assert [(t, s.customer_id, s.order_no) for t, s in emitted] == [(t, *OWNER) for t, _ in emitted]
    assert {s.order_id for _, s in emitted} == {"o-42"}


async def test_shipments_made_without_an_owner_carry_empty_fields(deps: Deps) -> None:
    """Callers that do not know the customer (and rows from before 0003) stay valid."""
    [made] = await shipping.create_shipments(
        deps,
        commands.CreateShipments(
            order_id="o-1",
            store_id="s-1",
            region="east",
            city="Hangzhou",
            packages=[commands.PackageSpec("wh-1", 500)],
        ),
    )
    found = await tracking.get_tracking(deps, made.waybill_no)
    assert (found.customer_id, found.order_no) == ("", "")
