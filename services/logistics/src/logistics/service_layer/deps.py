"""What the use cases are wired with: built by the composition root, faked by tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from chainkit.clock import Clock, utcnow
from chainkit.errors import FieldError, InvalidArgument
from logistics.domain.carriers import DEFAULT_CARRIERS, Carrier
from logistics.domain.tracking import TrackingStatus
from logistics.service_layer.ports import CarrierAdapter, UnitOfWork

# Stall limit for a status a carrier does not list.
DEFAULT_LIMIT = timedelta(hours=48)


@dataclass(frozen=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    # One adapter per carrier code; every carrier in `carriers` needs one.
    adapters: Mapping[str, CarrierAdapter]
    carriers: Sequence[Carrier] = DEFAULT_CARRIERS
    clock: Clock = utcnow
    # Multiplies every carrier's stall limits (a demo with a fast simulator shrinks them).
    stall_scale: float = 1.0
    # Carriers' poll cadences are multiples of this (LOGISTICS_POLL_INTERVAL_S).
    poll_base: timedelta = timedelta(seconds=2)
    # How long a claimed poll stays ours before another replica may take it.
    poll_lease: timedelta = timedelta(seconds=30)
    # Units of work for look-ups only: they take no write lock (chainkit.db READ_ONLY).
    read_uow: Callable[[], UnitOfWork] | None = None

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads (the writing one when none was wired)."""
        return self.read_uow() if self.read_uow is not None else self.uow()

    def carrier(self, code: str) -> Carrier:
        found = next((c for c in self.carriers if c.code == code), None)
        if found is None:
            raise InvalidArgument(f"unknown carrier {code!r}", [FieldError("carrier", "unknown")])
        return found

    def adapter(self, code: str) -> CarrierAdapter:
        self.carrier(code)
        found = self.adapters.get(code)
        if found is None:
            raise InvalidArgument(f"no adapter for carrier {code!r}", [FieldError("carrier", "")])
        return found

    def stall_limit(self, carrier_code: str, status: TrackingStatus) -> timedelta | None:
        """How long a parcel may stay silent with this carrier in this status (None: never
        stalls)."""
        carrier = next((c for c in self.carriers if c.code == carrier_code), None)
        if carrier is None:
            return None
        limit = carrier.stall_limit(status, DEFAULT_LIMIT)
        return limit * self.stall_scale if limit is not None else None
