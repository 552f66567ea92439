"""Use cases: take in carrier scans (pushed or polled) and answer waybill look-ups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message

from chainkit.errors import NotFound, Retryable
from chainstore.logistics.v1 import events_pb2
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan, TrackingEvent, TrackingStatus
from logistics.service_layer.deps import Deps
from logistics.service_layer.messages import event_pb, shipment_pb
from logistics.service_layer.outgoing import emit_for_shipment
from logistics.service_layer.ports import UnitOfWork

# A lost race on the tracking-event unique key (PostgreSQL) is retried this many times.
INGEST_ATTEMPTS = 3
# Scans the store must hear about: `logistics.shipment_exception` (store_id on the envelope).
NOTEWORTHY = frozenset(
    {TrackingStatus.EXCEPTION, TrackingStatus.FAILED_ATTEMPT, TrackingStatus.RETURNED_TO_SENDER}
)


@dataclass(frozen=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0


async def ingest_push(deps: Deps, carrier: str, body: bytes, signature: str) -> IngestResult:
    """A webhook body: verified (by the carrier's adapter) before anything is parsed or
    stored; safe to replay."""
    scans = deps.adapter(carrier).read_push(body, signature)
    return await ingest_scans(deps, carrier, scans)


async def ingest_scans(deps: Deps, carrier: str, scans: Sequence[CarrierScan]) -> IngestResult:
    """Record new scans in one transaction; emit one event per new scan.

    A scan for a waybill we do not know refuses the whole batch (NotFound), so the
    carrier sends it again; the scans already known are then dropped as duplicates.
    """
    by_waybill: dict[str, list[CarrierScan]] = defaultdict(list)
    for scan in scans:
        by_waybill[scan.waybill_no].append(scan)
    for attempt in range(1, INGEST_ATTEMPTS + 1):
        try:
            async with deps.uow() as uow:
                result = IngestResult()
                for waybill_no, group in by_waybill.items():
                    result = _add(result, await _ingest_one(deps, uow, carrier, waybill_no, group))
                await uow.commit()
                return result
        except Retryable:
            if attempt == INGEST_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _ingest_one(
    deps: Deps, uow: UnitOfWork, carrier: str, waybill_no: str, scans: list[CarrierScan]
) -> IngestResult:
    # The timeline is not loaded: the unique (shipment, dedup key) index drops known scans
    # and the shipment row (status, last update) is all the status rule needs, except for
    # a late scan (then the newest stored event too). The row lock serialises concurrent
    # ingests of one parcel on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises all writers.
    shipment = await uow.shipments.get_by_waybill(
        waybill_no, carrier, for_update=True, timeline=False
    )
    if shipment is None:
        # Most likely a push racing our own commit of a new shipment: refusing makes the
        # carrier retry (with backoff) instead of losing the scan. Nothing is stored.
        raise NotFound(f"unknown {carrier} waybill {waybill_no!r}")
    now = deps.clock()
    new = await uow.shipments.add_events(
        shipment.shipment_id, shipment.events_from(scans), received_at=now
    )
    if new:
        was_delivered = shipment.status is TrackingStatus.DELIVERED
        latest = None
        if shipment.needs_latest(new):
            latest = await uow.shipments.latest_event(
                shipment.shipment_id, excluding=[e.dedup_key for e in new]
            )
        shipment.settle(new, latest)
        unstalled = _resume(deps, shipment, now)
        await uow.shipments.save(shipment, scanned_at=now)
        _emit(uow, shipment, new, was_delivered, unstalled)
    return IngestResult(accepted=len(new), duplicates=len(scans) - len(new))


def _resume(deps: Deps, shipment: Shipment, now: datetime) -> datetime | None:
    """Clear the stalled flag if the parcel moves again (or is done); when it was raised."""
    flagged = shipment.stalled_at
    if flagged is None or shipment.silent_for_too_long(now, deps.stall_limit(shipment)):
        return None
    shipment.stalled_at = None
    return flagged


def _emit(
    uow: UnitOfWork,
    shipment: Shipment,
    new: list[TrackingEvent],
    was_delivered: bool,
    unstalled: datetime | None,
) -> None:
    snapshot = shipment_pb(shipment)  # state without the timeline: `event` is the news

    def emit(event_type: str, payload: Message, key: str) -> None:
        emit_for_shipment(uow, shipment, event_type, payload, key)

    if unstalled is not None:
        emit(
            "logistics.shipment_unstalled",
            events_pb2.ShipmentUnstalled(shipment=snapshot),
            f"unstalled:{unstalled.isoformat()}",
        )
    for event in new:
        emit(
            "logistics.shipment_updated",
            events_pb2.ShipmentUpdated(shipment=snapshot, event=event_pb(event)),
            f"updated:{event.dedup_key}",
        )
        if event.status in NOTEWORTHY:
            emit(
                "logistics.shipment_exception",
                events_pb2.ShipmentException(shipment=snapshot, event=event_pb(event)),
                f"exception:{event.dedup_key}",
            )
    if shipment.status is TrackingStatus.DELIVERED and not was_delivered:
        emit(
            "logistics.shipment_delivered",
            events_pb2.ShipmentDelivered(shipment=snapshot),
            "delivered",
        )


def _add(a: IngestResult, b: IngestResult) -> IngestResult:
    return IngestResult(a.accepted + b.accepted, a.duplicates + b.duplicates)


async def get_tracking(deps: Deps, waybill_no: str) -> Shipment:
    async with deps.reader() as uow:
        shipment = await uow.shipments.get_by_waybill(waybill_no.strip())
    if shipment is None:
        raise NotFound(f"waybill {waybill_no!r} not found")
    return shipment
