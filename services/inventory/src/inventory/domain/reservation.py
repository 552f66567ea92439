"""Reservations and their state machine: held → committed | released.

released may also follow committed (a paid order cancelled before shipping): the units
had already left on-hand, so they are restocked. Repeating a transition is a no-op, so
Commit and Release are idempotent; anything else is a Conflict naming the current state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from chainkit.errors import Conflict
from inventory.domain.allocation import Allocation
from inventory.domain.errors import ReservationExpired
from inventory.domain.events import ReservationCommitted, ReservationReleased, StockReserved

# The release reason the expiry sweep writes; a commit after it answers "reservation expired".
EXPIRED = "expired"


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
    # What the change that made this value recorded, for the unit of work to publish.
    events: tuple[StockReserved | ReservationCommitted | ReservationReleased, ...] = field(
        default=(), compare=False, repr=False
    )

    @classmethod
    def hold(
        cls,
        reservation_id: str,
        allocations: tuple[Allocation, ...],
        expires_at: datetime | None = None,
        correlation_id: str = "",
    ) -> Reservation:
        """A new hold on allocated units (the request's correlation id goes in its event)."""
        return cls(
            reservation_id,
            ReservationState.HELD,
            allocations,
            expires_at,
            events=(StockReserved(reservation_id, allocations, correlation_id),),
        )

    def quantities(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.allocations:
            out[a.sku] = out.get(a.sku, 0) + a.qty
        return out

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def needs_commit(self, now: datetime | None = None) -> bool:
        """True when committing changes stock; False when it already happened.

        Past its deadline a held reservation is refused even before the sweep has released
        it: the payment came too late and the units belong to other buyers again.
        """
        if self.state is ReservationState.HELD:
            if now is not None and self.is_expired(now):
                raise ReservationExpired(self.reservation_id)
            return True
        if self.state is ReservationState.COMMITTED:
            return False
        if self.release_reason == EXPIRED:
            raise ReservationExpired(self.reservation_id)
        raise Conflict(f"reservation {self.reservation_id} is {self.state}; it cannot be committed")

    def expiry_effect(self, now: datetime) -> ReleaseEffect:
        """The sweep frees only holds past their deadline; anything else is left alone."""
        if self.state is ReservationState.HELD and self.is_expired(now):
            return ReleaseEffect.FREE_HELD
        return ReleaseEffect.NONE

    def release_effect(self) -> ReleaseEffect:
        if self.state is ReservationState.HELD:
            return ReleaseEffect.FREE_HELD
        if self.state is ReservationState.COMMITTED:
            return ReleaseEffect.RESTOCK
        return ReleaseEffect.NONE

    def committed(self) -> Reservation:
        return replace(
            self,
            state=ReservationState.COMMITTED,
            events=(ReservationCommitted(self.reservation_id, self.allocations),),
        )

    def released(self, reason: str, effect: ReleaseEffect) -> Reservation:
        restocked = effect is ReleaseEffect.RESTOCK
        return replace(
            self,
            state=ReservationState.RELEASED,
            release_reason=reason,
            restocked=restocked,
            events=(ReservationReleased(self.reservation_id, self.allocations, reason, restocked),),
        )
