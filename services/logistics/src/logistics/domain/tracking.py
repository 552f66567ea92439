"""The normalised tracking taxonomy and each carrier's own raw codes mapped onto it.

Real carriers each speak their own vocabulary (letters at one, numbers at another); we
store the raw code beside the normalised status so nothing the carrier said is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class TrackingStatus(StrEnum):
    INFO_RECEIVED = "info_received"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    ARRIVED_AT_HUB = "arrived_at_hub"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TrackingStatus.DELIVERED, TrackingStatus.RETURNED_TO_SENDER})

# swift (push) uses three-letter scan codes.
SWIFT_CODES: dict[str, TrackingStatus] = {
    "MAN": TrackingStatus.INFO_RECEIVED,  # manifest received
    "PKP": TrackingStatus.PICKED_UP,
    "DEP": TrackingStatus.IN_TRANSIT,  # departed facility
    "LNH": TrackingStatus.IN_TRANSIT,  # line haul
    "ARR": TrackingStatus.ARRIVED_AT_HUB,
    "OFD": TrackingStatus.OUT_FOR_DELIVERY,
    "DLV": TrackingStatus.DELIVERED,
    "NAH": TrackingStatus.FAILED_ATTEMPT,  # nobody at home
    "EXC": TrackingStatus.EXCEPTION,
    "RTS": TrackingStatus.RETURNED_TO_SENDER,
}

# steady (poll) uses numeric operation codes.
STEADY_CODES: dict[str, TrackingStatus] = {
    "10": TrackingStatus.INFO_RECEIVED,
    "20": TrackingStatus.PICKED_UP,
    "30": TrackingStatus.IN_TRANSIT,
    "31": TrackingStatus.ARRIVED_AT_HUB,
    "40": TrackingStatus.OUT_FOR_DELIVERY,
    "50": TrackingStatus.DELIVERED,
    "60": TrackingStatus.FAILED_ATTEMPT,
    "70": TrackingStatus.EXCEPTION,
    "80": TrackingStatus.RETURNED_TO_SENDER,
}

# lazy (push, its own JSON shape) uses words.
LAZY_CODES: dict[str, TrackingStatus] = {
    "ACCEPTED": TrackingStatus.INFO_RECEIVED,
    "COLLECTED": TrackingStatus.PICKED_UP,
    "MOVING": TrackingStatus.IN_TRANSIT,
    "AT_DEPOT": TrackingStatus.ARRIVED_AT_HUB,
    "WITH_DRIVER": TrackingStatus.OUT_FOR_DELIVERY,
    "HANDED_OVER": TrackingStatus.DELIVERED,
    "NO_ONE_HOME": TrackingStatus.FAILED_ATTEMPT,
    "PROBLEM": TrackingStatus.EXCEPTION,
    "BACK_TO_SENDER": TrackingStatus.RETURNED_TO_SENDER,
}

CARRIER_CODES: dict[str, dict[str, TrackingStatus]] = {
    "swift": SWIFT_CODES,
    "steady": STEADY_CODES,
    "lazy": LAZY_CODES,
}


def normalise(carrier: str, raw_code: str) -> TrackingStatus:
    """A carrier's raw code in our taxonomy.

    A code we do not know becomes `exception`: it needs a human's eye, and guessing a
    happier status could hide a lost parcel.
    """
    return CARRIER_CODES.get(carrier, {}).get(raw_code.strip().upper(), TrackingStatus.EXCEPTION)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime (SQLite hands those back) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class CarrierScan:
    """One scan as a carrier reported it, before normalisation."""

    waybill_no: str
    code: str
    at: datetime
    location: str = ""
    description: str = ""
    event_id: str = ""  # empty when the carrier gives none


@dataclass(frozen=True)
class TrackingEvent:
    """One normalised entry of a shipment's timeline."""

    at: datetime
    status: TrackingStatus
    raw_code: str
    location: str
    description: str
    dedup_key: str

    @classmethod
    def from_scan(cls, carrier: str, scan: CarrierScan) -> TrackingEvent:
        at = as_utc(scan.at)
        return cls(
            at=at,
            status=normalise(carrier, scan.code),
            raw_code=scan.code,
            location=scan.location,
            description=scan.description,
            dedup_key=dedup_key(scan.event_id, at, scan.code),
        )


def dedup_key(event_id: str, at: datetime, raw_code: str) -> str:
    """The carrier's event id when it gives one, else (event time, raw code)."""
    if event_id:
        return f"id:{event_id}"
    return f"at:{as_utc(at).isoformat()}|{raw_code}"
