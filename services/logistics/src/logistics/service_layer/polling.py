"""Use case: ask poll-mode carriers about the parcels whose next poll is due.

Each shipment carries its own `next_poll_at`. A round claims the due ones with a
conditional update (so several replicas never ask about one parcel twice), asks each
carrier, ingests what is new, then schedules the next poll by the carrier's cadence:
sooner once the parcel is out for delivery, never again once it is delivered or returned.
A carrier that answers 429 is left alone until its Retry-After has passed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chainkit.errors import DomainError
from logistics.domain.carriers import NEAR_DELIVERY, UpdateMode
from logistics.domain.shipment import Shipment
from logistics.service_layer.deps import Deps
from logistics.service_layer.metrics import POLL_RATE_LIMITED
from logistics.service_layer.ports import CarrierRateLimited
from logistics.service_layer.tracking import ingest_scans

log = logging.getLogger(__name__)


@dataclass
class PollRound:
    """What one round did (for tests and logs)."""

    polled: int = 0
    rate_limited: set[str] = field(default_factory=set)
    failed: int = 0


@dataclass
class Backoff:
    """Per-process memory of carriers that rate-limited us: code → not before."""

    until: dict[str, datetime] = field(default_factory=dict)

    def blocked(self, carrier: str, now: datetime) -> bool:
        return self.until.get(carrier, now) > now


async def poll_due(
    deps: Deps, backoff: Backoff | None = None, *, batch: int = 100, concurrency: int = 8
) -> PollRound:
    backoff = backoff if backoff is not None else Backoff()
    now = deps.clock()
    codes = [
        c.code
        for c in deps.carriers
        if c.update_mode is UpdateMode.POLL and not backoff.blocked(c.code, now)
    ]
    result = PollRound()
    if not codes:
        return result
    # Choosing takes no write lock; claiming is one conditional update.
    async with deps.reader() as uow:
        due = await uow.shipments.due_polls(codes, now=now, limit=batch)
    if not due:
        return result
    async with deps.uow() as uow:
        claimed = await uow.shipments.claim_polls(due, now=now, lease_until=now + deps.poll_lease)
        await uow.commit()
    gate = asyncio.Semaphore(concurrency)
    skipped: list[Shipment] = []

    async def poll(shipment: Shipment) -> None:
        async with gate:
            if shipment.carrier in result.rate_limited:
                skipped.append(shipment)
                return
            try:
                scans = await deps.adapter(shipment.carrier).poll_tracking(shipment.waybill_no)
                if scans:
                    await ingest_scans(deps, shipment.carrier, scans)
                result.polled += 1
                await _reschedule(deps, shipment)
            except CarrierRateLimited as e:
                POLL_RATE_LIMITED.labels(shipment.carrier).inc()
                await _rate_limited(deps, backoff, result, shipment.carrier, e.retry_after_s)
                skipped.append(shipment)
            except DomainError as e:  # carrier down, lost race: retried when the lease ends
                result.failed += 1
                log.warning("polling %s failed: %s", shipment.waybill_no, e)

    await asyncio.gather(*(poll(s) for s in claimed))
    if skipped:
        await _release(deps, backoff, skipped)
    return result


async def _release(deps: Deps, backoff: Backoff, skipped: list[Shipment]) -> None:
    """Claims we did not use (their carrier rate-limited us): due again after Retry-After,
    not only when the lease runs out."""
    async with deps.uow() as uow:
        for shipment in skipped:
            until = backoff.until.get(shipment.carrier, deps.clock())
            await uow.shipments.reschedule_poll(
                shipment.shipment_id, normal_at=until, near_at=until, near_statuses=()
            )
        await uow.commit()


async def _reschedule(deps: Deps, shipment: Shipment) -> None:
    cadence = deps.carrier(shipment.carrier).cadence
    now = deps.clock()
    async with deps.uow() as uow:
        # The status may have just changed in ingest: the statement picks the cadence
        # from the stored status, so it needs no fresh read.
        await uow.shipments.reschedule_poll(
            shipment.shipment_id,
            normal_at=now + deps.poll_base * cadence.normal,
            near_at=now + deps.poll_base * cadence.near_delivery,
            near_statuses=NEAR_DELIVERY,
        )
        await uow.commit()


async def _rate_limited(
    deps: Deps, backoff: Backoff, result: PollRound, carrier: str, retry_after_s: float
) -> None:
    now = deps.clock()
    until = now + timedelta(seconds=max(retry_after_s, deps.poll_base.total_seconds()))
    if carrier not in result.rate_limited:
        log.warning("carrier %s rate-limited us; pausing until %s", carrier, until.isoformat())
    result.rate_limited.add(carrier)
    backoff.until[carrier] = max(until, backoff.until.get(carrier, until))
    # Every replica sees it too: the carrier's due polls move past the Retry-After.
    async with deps.uow() as uow:
        await uow.shipments.postpone_polls(carrier, until=until)
        await uow.commit()
