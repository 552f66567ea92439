"""Use case: the sweep that notices parcels which stopped moving and carriers gone quiet.

A parcel silent for longer than its carrier allows in its current status is flagged
stalled once (a conditional update: whichever replica sweeps first raises it, and the
event goes out in the same transaction). Ingesting a fresh scan clears the flag
(`tracking.ingest_scans`). A pushing carrier that sent nothing for any parcel for too
long opens one push-gap alert; its next scan closes it on the following sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from logistics.domain.carriers import Carrier, UpdateMode
from logistics.domain.events import CarrierPushGap, CarrierPushResumed
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingStatus
from logistics.service_layer.deps import DEFAULT_LIMIT, Deps
from logistics.service_layer.metrics import STALLED_TOTAL


@dataclass
class SweepResult:
    flagged: list[str] = field(default_factory=list)  # shipment ids
    gaps_opened: list[str] = field(default_factory=list)  # carrier codes
    gaps_closed: list[str] = field(default_factory=list)


async def sweep(deps: Deps, *, batch: int = 500) -> SweepResult:
    result = SweepResult()
    await _flag_stalled(deps, result, batch)
    STALLED_TOTAL.inc(len(result.flagged))  # committed: _flag_stalled raises otherwise
    for carrier in deps.carriers:
        if carrier.update_mode is UpdateMode.PUSH:
            await _check_push_gap(deps, carrier, result)
    return result


async def _flag_stalled(deps: Deps, result: SweepResult, batch: int) -> None:
    """One query per (carrier, status) with its own limit: each reads only stalled rows.

    The search takes no write lock (most sweeps find nothing); each flag is then a
    conditional update that re-checks the facts, so a scan arriving in between wins.
    """
    now = deps.clock()
    found: list[tuple[Shipment, datetime]] = []
    async with deps.reader() as uow:
        for carrier in deps.carriers:
            for status in TrackingStatus:
                limit = carrier.stall_limit(status, DEFAULT_LIMIT)
                if limit is None:
                    continue
                silent_before = now - limit * deps.stall_scale
                candidates = await uow.shipments.stall_candidates(
                    carrier.code, status, silent_before=silent_before, limit=batch
                )
                found.extend((shipment, silent_before) for shipment in candidates)
    if not found:
        return
    async with deps.uow() as uow:
        for shipment, silent_before in found:
            if await uow.shipments.flag_stalled(shipment, now=now, silent_before=silent_before):
                shipment.mark_stalled(now)
                uow.publish(shipment.pop_domain_events())
                result.flagged.append(shipment.shipment_id)
            # else: another replica flagged it, or a scan just arrived
        await uow.commit()


async def _check_push_gap(deps: Deps, carrier: Carrier, result: SweepResult) -> None:
    now = deps.clock()
    gap = carrier.push_gap_after * deps.stall_scale
    async with deps.uow() as uow:
        waiting, last_scan = await uow.shipments.push_gap_facts(
            carrier.code, created_before=now - gap
        )
        silent = waiting > 0 and (last_scan is None or last_scan < now - gap)
        if silent and await uow.shipments.set_push_gap(carrier.code, since=now):
            uow.publish([CarrierPushGap(carrier.code, now, last_scan or now - gap, waiting)])
            result.gaps_opened.append(carrier.code)
        elif not silent and await uow.shipments.set_push_gap(carrier.code, since=None):
            uow.publish([CarrierPushResumed(carrier.code, now)])
            result.gaps_closed.append(carrier.code)
        await uow.commit()
