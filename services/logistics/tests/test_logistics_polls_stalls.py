"""Poll cadence and rate-limit backoff, stalled flags and push gaps, cancellation, store
effects and the aggregator's messy pushes (ems): use cases over SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit import events
from chainkit.errors import Conflict, InvalidArgument, NotFound, Unauthenticated
from chainkit.outbox import OutboxMessage
from logistics.adapters.carriers.signed_push import sign
from logistics.adapters.tables import ShipmentRow
from logistics.domain.tracking import CarrierScan, TrackingStatus
from logistics.service_layer import cancelling, commands, polling, stalls, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"
CHINA = timezone(timedelta(hours=8))


def steady_scan(waybill: str, code: str, at: datetime) -> CarrierScan:
    return CarrierScan(waybill, code, at, "hub", code)


async def next_poll_at(sessions: async_sessionmaker[AsyncSession], sid: str) -> datetime | None:
    async with sessions() as session:
        row = (
            await session.execute(select(ShipmentRow).where(col(ShipmentRow.shipment_id) == sid))
        ).scalar_one()
    at = row.next_poll_at
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


async def outbox(sessions: async_sessionmaker[AsyncSession], event_type: str) -> list[Any]:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.subject) == f"chainstore.{event_type}"
                )
            )
        ).scalars()
        return [events.parse(r.data) for r in rows]


async def test_poll_cadence_speeds_up_near_delivery_and_stops_after_terminal(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    parcel = await ship("zto")
    sf = await ship("sf", "o-2")
    assert await next_poll_at(sessions, sf.shipment_id) is None  # pushes: never polled
    assert (await polling.poll_due(deps)).polled == 0  # not due before one cadence (10 min)
    clock.advance(minutes=10)
    carrier_api.scans[parcel.waybill_no] = [steady_scan(parcel.waybill_no, "20", clock.now)]
    assert (await polling.poll_due(deps)).polled == 1
    assert await next_poll_at(sessions, parcel.shipment_id) == clock.now + timedelta(minutes=10)

    clock.advance(minutes=10)
    carrier_api.scans[parcel.waybill_no].append(steady_scan(parcel.waybill_no, "40", clock.now))
    await polling.poll_due(deps)
    # Out for delivery: a quarter of the cadence.
    assert await next_poll_at(sessions, parcel.shipment_id) == clock.now + timedelta(minutes=2.5)

    clock.advance(minutes=3)
    carrier_api.scans[parcel.waybill_no].append(steady_scan(parcel.waybill_no, "50", clock.now))
    await polling.poll_due(deps)
    assert (await tracking.get_tracking(deps, parcel.waybill_no)).status is (
        TrackingStatus.DELIVERED
    )
    assert await next_poll_at(sessions, parcel.shipment_id) is None
    clock.advance(hours=5)
    assert (await polling.poll_due(deps)).polled == 0
    assert carrier_api.poll_calls == [parcel.waybill_no] * 3


async def test_replicas_polling_at_once_ask_about_each_parcel_once(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any
) -> None:
    made = [await ship("zto", f"o-{i}") for i in range(6)]
    clock.advance(minutes=11)
    rounds = await asyncio.gather(*(polling.poll_due(deps) for _ in range(3)))
    assert sum(r.polled for r in rounds) == 6
    assert sorted(carrier_api.poll_calls) == sorted(s.waybill_no for s in made)


async def test_rate_limit_backs_off_until_retry_after_on_every_replica(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any
) -> None:
    for i in range(3):
        await ship("zto", f"o-{i}")
    clock.advance(minutes=11)
    carrier_api.rate_limited["zto"] = 1800.0  # Retry-After: half an hour
    backoff = polling.Backoff()
    first = await polling.poll_due(deps, backoff)
    assert first.rate_limited == {"zto"} and first.polled == 0
    del carrier_api.rate_limited["zto"]  # the carrier would answer again...
    clock.advance(minutes=15)
    assert (await polling.poll_due(deps, backoff)).polled == 0  # ...but we wait: this replica
    assert (await polling.poll_due(deps)).polled == 0  # and another one (next_poll_at moved)
    clock.advance(minutes=16)
    assert (await polling.poll_due(deps, backoff)).polled == 3
    assert len(carrier_api.poll_calls) == 3


async def test_stalled_is_flagged_once_and_cleared_when_scans_resume(
    deps: Deps, ship: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    parcel = await ship("sf")
    body = push_swift(parcel.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    clock.advance(hours=23)
    assert (await stalls.sweep(deps)).flagged == []  # picked up: 24 h allowed
    clock.advance(hours=2)
    assert (await stalls.sweep(deps)).flagged == [parcel.shipment_id]
    clock.advance(hours=1)
    assert (await stalls.sweep(deps)).flagged == []  # once
    [stalled] = await outbox(sessions, "logistics.shipment_stalled")
    assert stalled.store_id == "s-1"
    assert (await tracking.get_tracking(deps, parcel.waybill_no)).stalled

    moving = push_swift(parcel.waybill_no, "e2", "DEP", clock.now)
    await tracking.ingest_push(deps, "sf", moving, sign(SECRET, moving))
    assert not (await tracking.get_tracking(deps, parcel.waybill_no)).stalled
    assert len(await outbox(sessions, "logistics.shipment_unstalled")) == 1
    clock.advance(hours=49)  # silent again in transit (48 h): a second, separate flag
    assert (await stalls.sweep(deps)).flagged == [parcel.shipment_id]
    assert len(await outbox(sessions, "logistics.shipment_stalled")) == 2


async def test_silent_pushing_carrier_raises_one_push_gap_alert(
    deps: Deps, ship: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    a = await ship("sf", "o-1")
    await ship("sf", "o-2")
    clock.advance(hours=5)
    assert (await stalls.sweep(deps)).gaps_opened == []
    clock.advance(hours=2)  # sf's gap limit is 6 h and it sent nothing at all
    assert (await stalls.sweep(deps)).gaps_opened == ["sf"]
    assert (await stalls.sweep(deps)).gaps_opened == []  # one alert, not one per sweep
    [gap] = await outbox(sessions, "logistics.carrier_push_gap")
    assert gap.store_id == ""  # a carrier-wide fact for head office
    body = push_swift(a.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    assert (await stalls.sweep(deps)).gaps_closed == ["sf"]
    assert len(await outbox(sessions, "logistics.carrier_push_resumed")) == 1


async def test_cancel_before_pickup_tells_the_carrier_and_is_idempotent(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    parcel = await ship("zto")
    with pytest.raises(NotFound):  # another store's staff
        await cancelling.cancel_shipment(
            deps, commands.CancelShipment(parcel.shipment_id, "x", store_id="s-2")
        )
    done = await cancelling.cancel_shipment(
        deps, commands.CancelShipment(parcel.shipment_id, "customer cancelled", "s-1")
    )
    again = await cancelling.cancel_shipment(
        deps, commands.CancelShipment(parcel.shipment_id, "retry")
    )
    assert done.cancelled_at == clock.now and again.cancel_reason == "customer cancelled"
    assert carrier_api.cancelled == [parcel.waybill_no]
    [event] = await outbox(sessions, "logistics.shipment_cancelled")
    assert event.store_id == "s-1"
    assert await next_poll_at(sessions, parcel.shipment_id) is None
    clock.advance(days=3)
    assert (await polling.poll_due(deps)).polled == 0
    assert (await stalls.sweep(deps)).flagged == []


async def test_cancel_after_pickup_is_refused_by_us_or_by_the_carrier(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    scanned = await ship("sf", "o-1")
    body = push_swift(scanned.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    with pytest.raises(Conflict):
        await cancelling.cancel_shipment(deps, commands.CancelShipment(scanned.shipment_id))
    # The carrier has it although its pickup scan has not reached us yet.
    unscanned = await ship("sf", "o-2")
    carrier_api.picked_up.add(unscanned.waybill_no)
    with pytest.raises(Conflict):
        await cancelling.cancel_shipment(deps, commands.CancelShipment(unscanned.shipment_id))
    assert (await tracking.get_tracking(deps, unscanned.waybill_no)).cancelled_at is None
    assert carrier_api.cancelled == []
    assert await outbox(sessions, "logistics.shipment_cancelled") == []


async def test_exception_and_return_to_sender_reach_the_store(
    deps: Deps, ship: Any, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    parcel = await ship("sf")
    body = push_swift(parcel.waybill_no, "e1", "EXC", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    back = push_swift(parcel.waybill_no, "e2", "RTS", clock.now + timedelta(hours=1))
    await tracking.ingest_push(deps, "sf", back, sign(SECRET, back))
    found = await outbox(sessions, "logistics.shipment_exception")
    assert len(found) == 2 and {e.store_id for e in found} == {"s-1"}
    assert (await tracking.get_tracking(deps, parcel.waybill_no)).status is (
        TrackingStatus.RETURNED_TO_SENDER
    )


async def test_aggregator_traces_late_repeated_and_out_of_order_end_delivered(
    deps: Deps, ship: Any, clock: Any
) -> None:
    """ems is tracked through the Kuaidi100-style aggregator: each push is the whole trace
    so far (newest first), signed MD5(param + salt); traces come late, twice, out of order."""
    parcel = await ship("ems")
    t0 = clock.now
    steps = [("103", "揽收", 1), ("1002", "在途", 2), ("1001", "在途", 3), ("5", "派件", 4)]
    steps.append(("301", "签收", 5))

    def trace(length: int, salt: str = SECRET.decode(), com: str = "ems") -> bytes:
        data = [
            {
                "time": (t0 + timedelta(hours=h)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                "context": f"【乌鲁木齐市】{word}",
                "status": word,
                "statusCode": code,
                "areaName": "乌鲁木齐市",
            }
            for code, word, h in reversed(steps[:length])
        ]
        last = {"state": "3" if length == 5 else "0", "com": com, "nu": parcel.waybill_no}
        param = json.dumps({"status": "polling", "lastResult": {**last, "data": data}})
        md5 = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
        return urlencode({"param": param, "sign": md5}).encode()

    # The final trace first, then an older one twice, then the first.
    for body in (trace(5), trace(3), trace(3), trace(1)):
        await tracking.ingest_push(deps, "ems", body, "")
    found = await tracking.get_tracking(deps, parcel.waybill_no)
    assert found.status is TrackingStatus.DELIVERED
    assert [e.raw_code for e in found.events] == ["103", "1002", "1001", "5", "301"]
    assert [e.status for e in found.events] == [
        TrackingStatus.PICKED_UP,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.ARRIVED_AT_HUB,
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED,
    ]
    assert found.last_update_at == t0 + timedelta(hours=5)
    with pytest.raises(Unauthenticated):
        await tracking.ingest_push(deps, "ems", trace(5, salt="forged"), "")
    with pytest.raises(InvalidArgument):
        await tracking.ingest_push(deps, "ems", trace(5, com="yuantong"), "")


def push_swift(waybill: str, event_id: str, code: str, at: datetime) -> bytes:
    doc = {
        "events": [
            {"event_id": event_id, "waybill_no": waybill, "code": code, "at": at.isoformat()}
        ]
    }
    return json.dumps(doc).encode()
