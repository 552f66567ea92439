"""The simulated carriers: their waybill formats, raw scan codes and how they report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    code: str
    description: str
    where: str  # "origin", "region", "city": filled in from the parcel


@dataclass(frozen=True)
class CarrierProfile:
    code: str
    waybill_prefix: str
    push: bool  # pushes signed scans to a webhook; else waits to be polled
    gives_event_ids: bool
    steps: tuple[Step, ...]
    # Seconds between scans = the simulator's pace x this.
    pace_factor: float = 1.0
    # Answers 429 + Retry-After past this many tracking queries per second (poll carriers).
    rate_limited: bool = False
    # Pushes each scan on its own after a random delay; drops, repeats and reorders some.
    unreliable: bool = False


# Each carrier speaks its own vocabulary, as real ones do; logistics maps them.
PROFILES: dict[str, CarrierProfile] = {
    "swift": CarrierProfile(
        code="swift",
        waybill_prefix="SW",
        push=True,
        gives_event_ids=True,
        steps=(
            Step("PKP", "Shipment picked up", "origin"),
            Step("DEP", "Departed sorting facility", "region"),
            Step("OFD", "Out for delivery", "city"),
            Step("DLV", "Delivered, signed for by recipient", "city"),
        ),
    ),
    "steady": CarrierProfile(
        code="steady",
        waybill_prefix="ST",
        push=False,
        gives_event_ids=False,
        steps=(
            Step("20", "Collected from shipper", "origin"),
            Step("30", "In transit on line haul", "region"),
            Step("40", "With courier for delivery", "city"),
            Step("50", "Delivered", "city"),
        ),
        rate_limited=True,
    ),
    "lazy": CarrierProfile(
        code="lazy",
        waybill_prefix="LZ",
        push=True,
        gives_event_ids=True,
        steps=(
            Step("COLLECTED", "Collected", "origin"),
            Step("MOVING", "On the move", "region"),
            Step("AT_DEPOT", "At the local depot", "city"),
            Step("WITH_DRIVER", "With the driver", "city"),
            Step("HANDED_OVER", "Handed over", "city"),
        ),
        pace_factor=2.0,
        unreliable=True,
    ),
}
