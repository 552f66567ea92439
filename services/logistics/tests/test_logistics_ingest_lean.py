"""Ingest without loading the timeline (SQLite and PostgreSQL): the rules still hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit import events
from chainkit.outbox import OutboxMessage
from chainstore.logistics.v1 import events_pb2
from chainstore.logistics.v1 import logistics_pb2 as pb
from logistics.adapters.carriers.signed_push import sign
from logistics.domain.tracking import TrackingStatus
from logistics.service_layer import commands, queries, shipping, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)  # the test clock; 16:00 in China
END_OF_MARCH_1 = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)


def body(waybill: str, *scans: tuple[str, str, int, str]) -> bytes:
    """(event_id, code, minutes after T0, place) → a signed-ready sf webhook body."""
    items = [
        f'{{"event_id":"{eid}","waybill_no":"{waybill}","code":"{code}",'
        f'"at":"{(T0 + timedelta(minutes=m)).isoformat()}","location":"{place}"}}'
        for eid, code, m, place in scans
    ]
    return ('{"events":[' + ",".join(items) + "]}").encode()


async def push(deps: Deps, waybill: str, *scans: tuple[str, str, int, str]) -> Any:
    raw = body(waybill, *scans)
    return await tracking.ingest_push(deps, "sf", raw, sign(SECRET, raw))


async def new_waybill(deps: Deps) -> str:
    [shipment] = await shipping.create_shipments(
        deps,
        commands.CreateShipments(
            order_id="o-1",
            store_id="s-1",
            region="east",
            city="Hangzhou",
            packages=[commands.PackageSpec("wh-1", 500)],
        ),
    )
    return shipment.waybill_no


async def test_late_scans_keep_the_newest_status_and_estimate(deps: Deps) -> None:
    waybill = await new_waybill(deps)
    await push(deps, waybill, ("e3", "OFD", 60, "Hangzhou"))
    late = await push(deps, waybill, ("e2", "DEP", 30, "east hub"), ("e1", "PKP", 5, "depot"))
    assert (late.accepted, late.duplicates) == (2, 0)
    again = await push(deps, waybill, ("e2", "DEP", 30, "east hub"), ("e4", "ARR", 40, "x"))
    assert (again.accepted, again.duplicates) == (1, 1)

    found = await tracking.get_tracking(deps, waybill)
    assert [e.raw_code for e in found.events] == ["PKP", "DEP", "ARR", "OFD"]
    assert found.status is TrackingStatus.OUT_FOR_DELIVERY
    assert found.last_update_at == T0 + timedelta(minutes=60)
    assert found.estimated_delivery_at == END_OF_MARCH_1  # recorded, and returned
    [listed] = (await queries.list_shipments(deps, commands.ListShipments(order_id="o-1"))).items
    assert listed.estimated_delivery_at == END_OF_MARCH_1


async def test_a_scan_older_than_our_record_still_sets_the_status(deps: Deps) -> None:
    waybill = await new_waybill(deps)
    # The carrier's clock, or its manifest, predates our shipment row.
    await push(deps, waybill, ("e1", "PKP", -30, "depot"))
    found = await tracking.get_tracking(deps, waybill)
    assert found.status is TrackingStatus.PICKED_UP
    assert found.last_update_at == T0  # creation time is still the last update


async def test_terminal_wins_within_a_batch_and_after_it(
    deps: Deps, sessions: async_sessionmaker[AsyncSession]
) -> None:
    waybill = await new_waybill(deps)
    await push(deps, waybill, ("e5", "DLV", 90, "Hangzhou"), ("e6", "OFD", 95, "Hangzhou"))
    await push(deps, waybill, ("e7", "EXC", 120, "Hangzhou"))
    found = await tracking.get_tracking(deps, waybill)
    assert found.status is TrackingStatus.DELIVERED
    assert found.estimated_delivery_at == T0 + timedelta(minutes=90)

    async with sessions() as session:
        rows = (
            await session.execute(
                select(col(OutboxMessage.data))
                .where(col(OutboxMessage.subject) == "chainstore.logistics.shipment_updated")
                .order_by(col(OutboxMessage.id))
            )
        ).scalars()
        updates = [events.unpack(events.parse(r), events_pb2.ShipmentUpdated) for r in rows]
    # One event per new scan, each carrying the shipment's state after its batch.
    assert [u.event.status for u in updates] == [
        pb.TRACKING_STATUS_DELIVERED,
        pb.TRACKING_STATUS_OUT_FOR_DELIVERY,
        pb.TRACKING_STATUS_EXCEPTION,
    ]
    assert {u.shipment.status for u in updates} == {pb.TRACKING_STATUS_DELIVERED}
