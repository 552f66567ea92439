"""Use cases of reservations after Reserve (reserving.py): Commit, Release and the expiry
sweep's release, each idempotent by reservation id. Every one claims the reservation with a
guarded state change first, so of any number of concurrent callers exactly one moves units.
"""

from __future__ import annotations

from datetime import datetime

from chainkit.errors import NotFound
from inventory.domain.model import Movement, MovementKind
from inventory.domain.reservation import EXPIRED, ReleaseEffect, Reservation
from inventory.domain.validation import Errors
from inventory.service_layer.alerts import publish_crossings
from inventory.service_layer.deps import Deps
from inventory.service_layer.ports import UnitOfWork
from inventory.service_layer.retry import LostRace, retrying


async def _load(uow: UnitOfWork, reservation_id: str) -> Reservation:
    found = await uow.reservations.get(reservation_id)
    if found is None:
        raise NotFound(f"reservation {reservation_id!r} not found")
    return found


def _require_id(reservation_id: str) -> None:
    errors = Errors()
    errors.require_id("reservation_id", reservation_id)
    errors.raise_if_any()


async def commit_reservation(deps: Deps, reservation_id: str) -> Reservation:
    """Payment: held units leave on-hand. Committing again returns the same answer.

    After the deadline it is refused with "reservation expired" and nothing changes: the
    state claim below (held → committed) and the sweep's (held → released) exclude each
    other, so a commit racing the sweep either wins whole or is refused whole.
    """
    _require_id(reservation_id)

    async def attempt() -> Reservation:
        async with deps.uow() as uow:
            current = await _load(uow, reservation_id)
            if not current.needs_commit(deps.clock()):
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
            uow.publish(done.events)
            await uow.commit()
            return done

    return await retrying(attempt, f"commit of {reservation_id}")


async def release_reservation(deps: Deps, reservation_id: str, reason: str) -> Reservation:
    """Cancel: held units are freed, committed ones restocked. Releasing again is a no-op."""
    _require_id(reservation_id)
    errors = Errors()
    errors.require_text("reason", reason, required=False)
    errors.raise_if_any()

    async def attempt() -> Reservation:
        async with deps.uow() as uow:
            current = await _load(uow, reservation_id)
            effect = current.release_effect()
            if effect is ReleaseEffect.NONE:
                return current
            done = await _release(uow, current, reason, effect)
            await uow.commit()
            return done

    return await retrying(attempt, f"release of {reservation_id}")


async def expire_reservation(deps: Deps, reservation_id: str, now: datetime) -> Reservation | None:
    """The sweep: release a hold past its deadline (None when it is not one any more)."""

    async def attempt() -> Reservation | None:
        async with deps.uow() as uow:
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
    uow.publish(done.events)
    return done
