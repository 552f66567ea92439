"""Use cases: take in carrier scans (pushed or polled) and answer waybill look-ups."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import Message

from chainkit.errors import DomainError, NotFound, Retryable
from chainkit.events import envelope
from chainstore.logistics.v1 import events_pb2
from logistics.domain.carrier_push import parse_scans, verify_signature
from logistics.domain.carriers import UpdateMode
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan, TrackingEvent, TrackingStatus
from logistics.service_layer.deps import SOURCE, Deps
from logistics.service_layer.messages import event_pb, shipment_pb
from logistics.service_layer.ports import UnitOfWork

log = logging.getLogger(__name__)

# A lost race on the tracking-event unique key (PostgreSQL) is retried this many times.
INGEST_ATTEMPTS = 3
NOTEWORTHY = frozenset({TrackingStatus.EXCEPTION, TrackingStatus.FAILED_ATTEMPT})


@dataclass(frozen=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0


async def ingest_push(deps: Deps, carrier: str, body: bytes, signature: str) -> IngestResult:
    """A webhook body: verified before anything is parsed or stored; safe to replay."""
    verify_signature(deps.carrier_secret, body, signature)
    deps.carrier(carrier)
    return await ingest_scans(deps, carrier, parse_scans(body))


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
    shipment = await uow.shipments.get_by_waybill(waybill_no, carrier, for_update=True)
    if shipment is None:
        # Most likely a push racing our own commit of a new shipment: refusing makes the
        # carrier retry (with backoff) instead of losing the scan. Nothing is stored.
        raise NotFound(f"unknown {carrier} waybill {waybill_no!r}")
    was_delivered = shipment.status is TrackingStatus.DELIVERED
    new = shipment.record(scans)
    if new:
        await uow.shipments.save(shipment, new)
        _emit(deps, uow, shipment, new, was_delivered)
    return IngestResult(accepted=len(new), duplicates=len(scans) - len(new))


def _emit(
    deps: Deps,
    uow: UnitOfWork,
    shipment: Shipment,
    new: list[TrackingEvent],
    was_delivered: bool,
) -> None:
    snapshot = shipment_pb(shipment, stalled=shipment.is_stalled(deps.clock(), deps.stall_after))
    base = uuid.UUID(shipment.shipment_id)

    def emit(event_type: str, payload: Message, key: str) -> None:
        # Deterministic event ids: the outbox's unique event_id refuses a second copy.
        uow.emit(
            envelope(
                event_type,
                payload,
                source=SOURCE,
                store_id=shipment.store_id,
                event_id=str(uuid.uuid5(base, key)),
            )
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
    async with deps.uow() as uow:
        shipment = await uow.shipments.get_by_waybill(waybill_no.strip())
    if shipment is None:
        raise NotFound(f"waybill {waybill_no!r} not found")
    return shipment


async def poll_once(
    deps: Deps, *, after_id: str = "", batch: int = 200, concurrency: int = 8
) -> str:
    """Poll one page of parcels under way with poll-mode carriers; ingest what is new.

    Returns the id to continue after next time ("" once the whole set was walked).
    Terminal parcels are not selected, so polling a parcel stops once it is delivered.
    """
    codes = [c.code for c in deps.carriers if c.update_mode is UpdateMode.POLL]
    async with deps.uow() as uow:
        page = await uow.shipments.under_way(codes, after_id=after_id, limit=batch)
    gate = asyncio.Semaphore(concurrency)

    async def poll(shipment: Shipment) -> None:
        async with gate:
            try:
                scans = await deps.carrier_api.poll_tracking(shipment.carrier, shipment.waybill_no)
                if scans:
                    await ingest_scans(deps, shipment.carrier, scans)
            except DomainError as e:  # carrier down, lost race: next round retries
                log.warning("polling %s failed: %s", shipment.waybill_no, e)

    await asyncio.gather(*(poll(s) for s in page))
    return page[-1].shipment_id if len(page) == batch else ""
