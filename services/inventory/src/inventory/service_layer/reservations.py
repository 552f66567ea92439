"""Use cases of reservations: Reserve, Commit, Release (each idempotent by reservation id).

Allocation is decided on a read of current availability; the conditional UPDATEs then
settle it. If any of them finds fewer units than the read promised (a concurrent buyer
won), the whole transaction rolls back and the attempt starts over from a fresh read, which
either allocates elsewhere or reports the availability that is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from chainkit.errors import AlreadyExists, NotFound
from inventory.domain.allocation import allocate, resolve_strategy
from inventory.domain.geo import Point
from inventory.domain.model import Movement, MovementKind, SkuQty, totals
from inventory.domain.reservation import EXPIRED, ReleaseEffect, Reservation, ReservationState
from inventory.domain.validation import Errors, check_lines
from inventory.service_layer import messages
from inventory.service_layer.alerts import publish_crossings, publish_crossings_of
from inventory.service_layer.ports import UnitOfWork, UnitOfWorkFactory
from inventory.service_layer.references import (
    check_location,
    report_unknown_location,
    report_unknown_skus,
)
from inventory.service_layer.retry import LostRace, retrying


@dataclass(frozen=True)
class ReserveCommand:
    reservation_id: str
    lines: Sequence[SkuQty]
    region: str = ""
    home_location_id: str = ""
    strategy: str = ""
    # The hold's deadline: past it the expiry sweep releases it and commits are refused.
    expires_at: datetime | None = None
    destination: Point | None = None


def _validate(cmd: ReserveCommand) -> str:
    errors = Errors()
    errors.require_id("reservation_id", cmd.reservation_id)
    check_lines(errors, cmd.lines)
    if cmd.region:
        errors.require_id("region", cmd.region)
    if cmd.home_location_id:
        errors.require_id("home_location_id", cmd.home_location_id)
    if cmd.expires_at is not None and cmd.expires_at.utcoffset() is None:
        errors.add("expires_at", "must carry a time zone")
    if cmd.destination is not None:
        if not -90.0 <= cmd.destination.lat <= 90.0:
            errors.add("destination.lat", "must be between -90 and 90")
        if not -180.0 <= cmd.destination.lon <= 180.0:
            errors.add("destination.lon", "must be between -180 and 180")
    errors.raise_if_any()
    return resolve_strategy(cmd.strategy)


def _replayed(existing: Reservation, cmd: ReserveCommand) -> Reservation:
    if existing.quantities() != totals(cmd.lines):
        raise AlreadyExists(f"reservation {cmd.reservation_id!r} exists with other lines")
    return existing


async def reserve(uows: UnitOfWorkFactory, cmd: ReserveCommand) -> Reservation:
    strategy = _validate(cmd)

    async def attempt() -> Reservation:
        async with uows() as uow:
            # Read and decide before the write transaction (on SQLite, before the write lock):
            # the conditional UPDATEs re-check the stock and the primary key the id, so a
            # concurrent change means a retry. Refusals (unknown SKU, too little stock)
            # never take the lock.
            async with uow.reading():
                existing = await uow.reservations.get(cmd.reservation_id)
                if existing is not None:
                    return _replayed(existing, cmd)
                seen = await uow.stock.availability(
                    [x.sku for x in cmd.lines], cmd.home_location_id
                )
                refs = Errors()
                report_unknown_skus(refs, cmd.lines, seen.known)
                if cmd.home_location_id and seen.home_found is None:
                    await check_location(uow, refs, cmd.home_location_id, "home_location_id")
                elif cmd.home_location_id and not seen.home_found:
                    report_unknown_location(refs, cmd.home_location_id, "home_location_id")
                refs.raise_if_any()
                allocations = allocate(
                    cmd.lines,
                    seen.candidates,
                    region=cmd.region,
                    home_location_id=cmd.home_location_id,
                    strategy=strategy,
                    destination=cmd.destination,
                )
            reservation = Reservation(
                reservation_id=cmd.reservation_id,
                state=ReservationState.HELD,
                allocations=tuple(allocations),
                expires_at=cmd.expires_at,
            )
            await uow.reservations.add(
                reservation,
                region=cmd.region,
                home_location_id=cmd.home_location_id,
                strategy=strategy,
            )
            # The ledger lines go first: on PostgreSQL a stock row stays locked from its
            # UPDATE to COMMIT, so the UPDATEs come as late as they can.
            await uow.stock.record(
                [
                    Movement(
                        a.sku, a.location_id, MovementKind.RESERVATION, cmd.reservation_id, 0, a.qty
                    )
                    for a in allocations
                ]
            )
            levels = []
            for a in sorted(allocations, key=lambda a: (a.sku, a.location_id)):
                level = await uow.stock.try_reserve(a.sku, a.location_id, a.qty)
                if level is None:
                    raise LostRace
                levels.append(level)
            await publish_crossings_of(uow, levels)
            uow.emit(messages.stock_reserved(reservation))
            await uow.commit()
            return reservation

    return await retrying(attempt, f"reservation {cmd.reservation_id}")


async def _load(uow: UnitOfWork, reservation_id: str) -> Reservation:
    found = await uow.reservations.get(reservation_id)
    if found is None:
        raise NotFound(f"reservation {reservation_id!r} not found")
    return found


def _require_id(reservation_id: str) -> None:
    errors = Errors()
    errors.require_id("reservation_id", reservation_id)
    errors.raise_if_any()


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def commit_reservation(
    uows: UnitOfWorkFactory, reservation_id: str, now: datetime | None = None
) -> Reservation:
    """Payment: held units leave on-hand. Committing again returns the same answer.

    After the deadline it is refused with "reservation expired" and nothing changes: the
    state claim below (held → committed) and the sweep's (held → released) exclude each
    other, so a commit racing the sweep either wins whole or is refused whole.
    """
    _require_id(reservation_id)

    async def attempt() -> Reservation:
        async with uows() as uow:
            current = await _load(uow, reservation_id)
            if not current.needs_commit(now or _utcnow()):
                return current
            done = current.committed()
            # The guarded state change is the claim: of two concurrent commits one wins.
            if not await uow.reservations.transition(reservation_id, current.state, done):
                raise LostRace
            for a in sorted(done.allocations, key=lambda a: (a.sku, a.location_id)):
                if not await uow.stock.try_commit(a.sku, a.location_id, a.qty):
                    raise RuntimeError(f"reservation {reservation_id}: held units missing")
            await uow.stock.record(
                [
                    Movement(
                        a.sku, a.location_id, MovementKind.COMMIT, reservation_id, -a.qty, -a.qty
                    )
                    for a in done.allocations
                ]
            )
            uow.emit(messages.reservation_committed(done))
            await uow.commit()
            return done

    return await retrying(attempt, f"commit of {reservation_id}")


async def release_reservation(
    uows: UnitOfWorkFactory, reservation_id: str, reason: str
) -> Reservation:
    """Cancel: held units are freed, committed ones restocked. Releasing again is a no-op."""
    _require_id(reservation_id)
    errors = Errors()
    errors.require_text("reason", reason, required=False)
    errors.raise_if_any()

    async def attempt() -> Reservation:
        async with uows() as uow:
            current = await _load(uow, reservation_id)
            effect = current.release_effect()
            if effect is ReleaseEffect.NONE:
                return current
            done = await _release(uow, current, reason, effect)
            await uow.commit()
            return done

    return await retrying(attempt, f"release of {reservation_id}")


async def expire_reservation(
    uows: UnitOfWorkFactory, reservation_id: str, now: datetime
) -> Reservation | None:
    """The sweep: release a hold past its deadline (None when it is not one any more)."""

    async def attempt() -> Reservation | None:
        async with uows() as uow:
            current = await uow.reservations.get(reservation_id)
            if current is None or current.expiry_effect(now) is ReleaseEffect.NONE:
                return None
            done = await _release(uow, current, EXPIRED, ReleaseEffect.FREE_HELD)
            await uow.commit()
            return done

    return await retrying(attempt, f"expiry of {reservation_id}")


async def _release(
    uow: UnitOfWork, current: Reservation, reason: str, effect: ReleaseEffect
) -> Reservation:
    rid = current.reservation_id
    done = current.released(reason, effect)
    # The guarded state change is the claim: a commit, a cancel and the sweeps of any number
    # of replicas race for it, and exactly one of them moves the units.
    if not await uow.reservations.transition(rid, current.state, done):
        raise LostRace
    movements = []
    for a in sorted(done.allocations, key=lambda a: (a.sku, a.location_id)):
        if effect is ReleaseEffect.RESTOCK:
            ok = await uow.stock.restock(a.sku, a.location_id, a.qty)
            kind, on_hand, reserved = MovementKind.RETURN, a.qty, 0
        else:
            ok = await uow.stock.try_free(a.sku, a.location_id, a.qty)
            kind, on_hand, reserved = MovementKind.RELEASE, 0, -a.qty
        if not ok:
            raise RuntimeError(f"reservation {rid}: stock row missing")
        movements.append(
            Movement(a.sku, a.location_id, kind, rid, on_hand, reserved, reason=reason)
        )
    await uow.stock.record(movements)
    await publish_crossings(uow, [(a.sku, a.location_id) for a in done.allocations])
    uow.emit(messages.reservation_released(done))
    return done
