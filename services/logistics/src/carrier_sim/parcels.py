"""The simulator's memory: parcels, their scans so far, and the scans still to push."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from carrier_sim.carriers import CarrierProfile, Step


@dataclass(frozen=True)
class Scan:
    event_id: str
    waybill_no: str
    code: str
    at: datetime
    location: str
    description: str

    def as_json(self, *, with_event_id: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "waybill_no": self.waybill_no,
            "code": self.code,
            "at": self.at.isoformat(),
            "location": self.location,
            "description": self.description,
        }
        if with_event_id:
            doc = {"event_id": self.event_id, **doc}
        return doc


@dataclass
class Parcel:
    profile: CarrierProfile
    reference: str
    waybill_no: str
    weight_g: int
    region: str
    city: str
    next_step_at: float  # monotonic seconds
    scans: list[Scan] = field(default_factory=list)
    unpushed: list[Scan] = field(default_factory=list)
    push_attempts: int = 0
    push_due_at: float = 0.0
    finished_at: float | None = None  # monotonic; walked to the end and all pushed
    cancelled: bool = False

    @property
    def walked(self) -> bool:
        return self.cancelled or len(self.scans) >= len(self.profile.steps)

    @property
    def pending_push(self) -> bool:
        return bool(self.unpushed)

    def step_of(self, scan_index: int) -> Step:
        return self.profile.steps[scan_index]

    def take_step(self, now: float, pace_s: float) -> Scan:
        step = self.profile.steps[len(self.scans)]
        place = {"origin": "始发网点", "region": f"{self.region}转运中心", "city": self.city}
        scan = Scan(
            event_id=uuid.uuid4().hex,
            waybill_no=self.waybill_no,
            code=step.code,
            at=datetime.now(UTC),
            location=place.get(step.where, "") or self.region,
            description=step.description,
        )
        self.scans.append(scan)
        if self.profile.push:
            self.unpushed.append(scan)
        self.next_step_at = now + pace_s * self.profile.pace_factor
        return scan


class ParcelBook:
    """Parcels by (carrier, reference) and by (carrier, waybill number)."""

    def __init__(self) -> None:
        self._by_reference: dict[tuple[str, str], Parcel] = {}
        self._by_waybill: dict[tuple[str, str], Parcel] = {}

    def __len__(self) -> int:
        return len(self._by_waybill)

    def parcels(self) -> list[Parcel]:
        return list(self._by_waybill.values())

    def by_reference(self, carrier: str, reference: str) -> Parcel | None:
        return self._by_reference.get((carrier, reference))

    def by_waybill(self, carrier: str, waybill_no: str) -> Parcel | None:
        return self._by_waybill.get((carrier, waybill_no))

    def open(
        self,
        profile: CarrierProfile,
        *,
        reference: str,
        weight_g: int,
        region: str,
        city: str,
        first_step_at: float,
    ) -> tuple[Parcel, bool]:
        """The parcel for this reference, made now if new; (parcel, created)."""
        existing = self.by_reference(profile.code, reference)
        if existing is not None:
            return existing, False
        parcel = Parcel(
            profile=profile,
            reference=reference,
            waybill_no=self._new_waybill(profile),
            weight_g=weight_g,
            region=region,
            city=city,
            next_step_at=first_step_at,
        )
        self._by_reference[(profile.code, reference)] = parcel
        self._by_waybill[(profile.code, parcel.waybill_no)] = parcel
        return parcel, True

    def forget_finished(self, before: float) -> int:
        gone = [p for p in self._by_waybill.values() if p.finished_at and p.finished_at < before]
        for p in gone:
            del self._by_waybill[(p.profile.code, p.waybill_no)]
            del self._by_reference[(p.profile.code, p.reference)]
        return len(gone)

    def _new_waybill(self, profile: CarrierProfile) -> str:
        while True:
            number = f"{profile.waybill_prefix}{secrets.randbelow(10**12):012d}"
            if (profile.code, number) not in self._by_waybill:
                return number
