"""The rule that picks a carrier for one parcel, and the reason it gives.

1. Staff override: that carrier, if it serves the region and the weight (else refused).
2. The store's preferred carrier, if it serves the parcel and meets the service level.
3. Otherwise the cheapest carrier that serves the parcel and meets the service level;
   ties go to the faster one, then to the code, so the choice is deterministic.

Each choice names its rule ("override", "preference", "only" when a single carrier could
take the parcel, "cheapest") so that a screen can say why in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chainkit.china.regions import region_of_province, region_or_as_is
from chainkit.errors import Conflict, FieldError, InvalidArgument
from logistics.domain.carriers import Carrier, ServiceLevel


@dataclass(frozen=True)
class Parcel:
    region: str  # destination's sales region (an old English value is read as its region)
    weight_g: int
    origin_region: str = ""  # the source location's region when known
    level: ServiceLevel = ServiceLevel.STANDARD
    province_code: str = ""  # destination province (GB/T 2260); gives the region if empty

    def __post_init__(self) -> None:
        region = region_or_as_is(self.region) or region_of_province(self.province_code)
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "origin_region", region_or_as_is(self.origin_region))

    @property
    def where(self) -> str:
        province = f" (province {self.province_code})" if self.province_code else ""
        return f"{self.region}{province} at {self.weight_g} g"


@dataclass(frozen=True)
class CarrierChoice:
    carrier: Carrier
    reason: str
    price: int
    days: int
    rule: str = "cheapest"


def parse_level(value: str, field_name: str = "service_level") -> ServiceLevel:
    if not value:
        return ServiceLevel.STANDARD
    try:
        return ServiceLevel(value.strip().lower())
    except ValueError as e:
        allowed = ", ".join(level.value for level in ServiceLevel)
        raise InvalidArgument(
            f"unknown service level {value!r}", [FieldError(field_name, f"one of {allowed}")]
        ) from e


def choose_carrier(
    carriers: Sequence[Carrier], parcel: Parcel, *, override: str = "", preferred: str = ""
) -> CarrierChoice:
    if override:
        return _override(carriers, parcel, override)
    where = parcel.where
    serving = eligible_carriers(carriers, parcel)
    if not serving:
        raise Conflict(f"no carrier serves {where}")
    meeting = [c for c in serving if c.meets(parcel.level, parcel.origin_region, parcel.region)]
    if not meeting:
        raise Conflict(f"no carrier serving {where} meets the {parcel.level} service level")
    ranked = sorted(meeting, key=lambda c: (c.price(parcel.weight_g), _days(c, parcel), c.code))
    priced = ", ".join(f"{c.code} {c.price(parcel.weight_g)}" for c in ranked)
    if preferred:
        chosen = next((c for c in meeting if c.code == preferred), None)
        if chosen is not None:
            reason = f"store preference: {preferred} ({priced})"
            return _choice(chosen, parcel, reason, "preference")
        why = f"store preference {preferred} cannot serve {where} at {parcel.level}; "
    else:
        why = ""
    best = ranked[0]
    reason = f"{why}cheapest meeting {parcel.level} for {where} ({priced})"
    return _choice(best, parcel, reason, "only" if len(meeting) == 1 else "cheapest")


def eligible_carriers(carriers: Sequence[Carrier], parcel: Parcel) -> list[Carrier]:
    """Those serving the parcel's destination and weight: what an override may name."""
    return [c for c in carriers if _serves(c, parcel)]


def _override(carriers: Sequence[Carrier], parcel: Parcel, code: str) -> CarrierChoice:
    chosen = next((c for c in carriers if c.code == code), None)
    if chosen is None:
        raise InvalidArgument(f"unknown carrier {code!r}", [FieldError("carrier", "unknown")])
    if not _serves(chosen, parcel):
        message = f"{code} does not serve region {parcel.where}"
        raise InvalidArgument(message, [FieldError("carrier", message)])
    reason = f"staff override: {code}"
    if not chosen.meets(parcel.level, parcel.origin_region, parcel.region):
        # Staff may knowingly ship slower; the record says so.
        reason += f" (promises {_days(chosen, parcel)} days, slower than {parcel.level})"
    return _choice(chosen, parcel, reason, "override")


def _serves(carrier: Carrier, parcel: Parcel) -> bool:
    return carrier.serves(parcel.region, parcel.weight_g, parcel.province_code)


def _days(carrier: Carrier, parcel: Parcel) -> int:
    return carrier.days(parcel.origin_region, parcel.region)


def _choice(carrier: Carrier, parcel: Parcel, reason: str, rule: str) -> CarrierChoice:
    return CarrierChoice(
        carrier, reason[:300], carrier.price(parcel.weight_g), _days(carrier, parcel), rule
    )
