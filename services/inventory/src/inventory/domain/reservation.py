"""Reservations and their state machine: held → committed | released.

released may also follow committed (a paid order cancelled before shipping): the units
had already left on-hand, so they are restocked. Repeating a transition is a no-op, so
Commit and Release are idempotent; anything else is a Conflict naming the current state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from chainkit.errors import Conflict
from inventory.domain.allocation import Allocation


class ReservationState(StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"


class ReleaseEffect(StrEnum):
    NONE = "none"  # already released: nothing to do
    FREE_HELD = "free_held"  # reserved units become available again
    RESTOCK = "restock"  # committed units go back on-hand


@dataclass(frozen=True)
class Reservation:
    reservation_id: str
    state: ReservationState
    allocations: tuple[Allocation, ...]
    expires_at: datetime | None = None
    release_reason: str = ""
    restocked: bool = False

    def quantities(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.allocations:
            out[a.sku] = out.get(a.sku, 0) + a.qty
        return out

    def needs_commit(self) -> bool:
        """True when committing changes stock; False when it already happened."""
        if self.state is ReservationState.HELD:
            return True
        if self.state is ReservationState.COMMITTED:
            return False
        raise Conflict(f"reservation {self.reservation_id} is {self.state}; it cannot be committed")

    def release_effect(self) -> ReleaseEffect:
        if self.state is ReservationState.HELD:
            return ReleaseEffect.FREE_HELD
        if self.state is ReservationState.COMMITTED:
            return ReleaseEffect.RESTOCK
        return ReleaseEffect.NONE

    def committed(self) -> Reservation:
        return replace(self, state=ReservationState.COMMITTED)

    def released(self, reason: str, effect: ReleaseEffect) -> Reservation:
        return replace(
            self,
            state=ReservationState.RELEASED,
            release_reason=reason,
            restocked=effect is ReleaseEffect.RESTOCK,
        )
