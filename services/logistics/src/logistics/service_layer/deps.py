"""What the use cases are wired with: built by the composition root, faked by tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chainkit.errors import FieldError, InvalidArgument
from logistics.domain.carriers import DEFAULT_CARRIERS, Carrier
from logistics.service_layer.ports import CarrierApi, UnitOfWork

SOURCE = "logistics"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    carrier_api: CarrierApi
    carrier_secret: bytes
    carriers: Sequence[Carrier] = DEFAULT_CARRIERS
    clock: Callable[[], datetime] = utcnow
    # A parcel under way with no scan for this long is flagged stalled.
    stall_after: timedelta = timedelta(hours=48)

    def carrier(self, code: str) -> Carrier:
        found = next((c for c in self.carriers if c.code == code), None)
        if found is None:
            raise InvalidArgument(f"unknown carrier {code!r}", [FieldError("carrier", "unknown")])
        return found
