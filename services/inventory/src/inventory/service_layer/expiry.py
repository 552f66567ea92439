"""Releasing held reservations past their deadline. The state lives in the database, so
the sweep picks up where it left off after any restart, and several replicas may sweep at
once: each release is a conditional state claim that only one of them wins."""

from __future__ import annotations

from inventory.service_layer.deps import Deps
from inventory.service_layer.reservations import expire_reservation

BATCH = 100


async def release_expired(deps: Deps, limit: int = BATCH) -> int:
    """Release up to `limit` holds overdue by the clock, each in its own transaction; how many this
    call released (others may have been taken by a concurrent sweep, a commit or a cancel)."""
    now = deps.clock()
    async with deps.uow() as uow:
        due = await uow.reservations.held_expired(now, limit)
    released = 0
    for reservation_id in due:
        if await expire_reservation(deps, reservation_id, now) is not None:
            released += 1
    return released
