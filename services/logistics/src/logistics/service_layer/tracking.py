"""Use cases: take in carrier scans (pushed or polled) and answer waybill look-ups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from chainkit.errors import NotFound, Retryable
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan
from logistics.service_layer.deps import Deps
from logistics.service_layer.ports import UnitOfWork

# A lost race on the tracking-event unique key (PostgreSQL) is retried this many times.
INGEST_ATTEMPTS = 3


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
        latest = None
        if shipment.needs_latest(new):
            latest = await uow.shipments.latest_event(
                shipment.shipment_id, excluding=[e.dedup_key for e in new]
            )
        limit = partial(deps.stall_limit, shipment.carrier)
        shipment.take_in(new, latest, now=now, stall_limit=limit)
        await uow.shipments.save(shipment, scanned_at=now)
        uow.publish(shipment.pop_domain_events())
    return IngestResult(accepted=len(new), duplicates=len(scans) - len(new))


def _add(a: IngestResult, b: IngestResult) -> IngestResult:
    return IngestResult(a.accepted + b.accepted, a.duplicates + b.duplicates)


async def get_tracking(deps: Deps, waybill_no: str) -> Shipment:
    async with deps.reader() as uow:
        shipment = await uow.shipments.get_by_waybill(waybill_no.strip())
    if shipment is None:
        raise NotFound(f"waybill {waybill_no!r} not found")
    return shipment
