"""A store of the chain and the settings that shape its orders."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from chainkit.china.divisions import DivisionError
from chainkit.china.places import CODE_FIELDS, Located, locate
from chainkit.errors import FieldError, InvalidArgument
from orders.domain.business_day import is_time_zone, time_zone

ALLOCATION_STRATEGIES = frozenset({"region_priority", "nearest", "fewest_shipments"})
DEFAULT_PAYMENT_TIMEOUT_S = 1800
# A day: a payment window longer than that is a typo, not a policy.
MAX_PAYMENT_TIMEOUT_S = 86_400
MIN_PAYMENT_TIMEOUT_S = 60
# The promised speeds logistics knows; a shipment without one asks for "standard".
SERVICE_LEVELS = ("express", "standard", "economy")
DEFAULT_SERVICE_LEVEL = "standard"
# A carrier code as logistics spells them ("swift", "steady"); empty = no preference. Which
# carriers exist is logistics' business: an unknown preference there falls back to the rules.
CARRIER_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class StoreKind(StrEnum):
    DIRECT = "direct"
    FRANCHISE = "franchise"


@dataclass(frozen=True)
class StoreSettings:
    """The optional knobs of a store; `None` means "leave as is" (or the default)."""

    name: str | None = None
    region: str | None = None
    city: str | None = None
    payment_timeout_s: int | None = None
    auto_confirm: bool | None = None
    share_stock_online: bool | None = None
    allocation_strategy: str | None = None
    preferred_carrier: str | None = None
    service_level: str | None = None
    # An IANA zone ("Asia/Urumqi") for a store whose days differ from the chain's; "" clears.
    time_zone: str | None = None
    # GB/T 2260 codes placing the store (names, city and region follow from them).
    province_code: str | None = None
    city_code: str | None = None
    district_code: str | None = None

    @property
    def codes(self) -> dict[str, str]:
        return {f: getattr(self, f) or "" for f in CODE_FIELDS}


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str
    region: str
    city: str
    kind: StoreKind
    location_id: str
    payment_timeout_s: int = DEFAULT_PAYMENT_TIMEOUT_S
    auto_confirm: bool = False
    share_stock_online: bool = True
    allocation_strategy: str = "region_priority"
    preferred_carrier: str = ""
    service_level: str = DEFAULT_SERVICE_LEVEL
    # Empty: the chain's business time zone.
    time_zone: str = ""
    # GB/T 2260 codes and names; "" for a store placed by region and city text alone.
    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""

    def zone(self, chain_tz: ZoneInfo) -> ZoneInfo:
        """The time zone the store's business days are counted in."""
        return time_zone(self.time_zone) if self.time_zone else chain_tz

    @classmethod
    def create(
        cls,
        *,
        store_id: str,
        name: str,
        region: str,
        city: str,
        kind: str,
        location_id: str,
        settings: StoreSettings | None = None,
    ) -> Store:
        s = settings or StoreSettings()
        where = _locate(region, city, s.codes)  # east is stored as 华东
        errors = _required(
            store_id=store_id, name=name, region=where.region, location_id=location_id
        )
        if kind not in {k.value for k in StoreKind}:
            errors.append(FieldError("kind", "must be direct or franchise"))
        if errors:
            raise InvalidArgument("invalid store", errors)
        store_kind = StoreKind(kind)
        store = cls(
            store_id=store_id,
            name=name,
            kind=store_kind,
            location_id=location_id,
            # Franchise stock belongs to the franchisee: not offered online unless they opt in.
            share_stock_online=store_kind is StoreKind.DIRECT,
            **vars(where),
        )
        return store.updated(replace(s, name=None, region=None, city=None, **NO_CODES))

    def updated(self, s: StoreSettings) -> Store:
        """A copy with the given settings applied, every value validated."""
        errors = [
            FieldError(f, "must not be empty") for f in ("name", "region") if getattr(s, f) == ""
        ]
        timeout = s.payment_timeout_s
        if timeout is not None and not MIN_PAYMENT_TIMEOUT_S <= timeout <= MAX_PAYMENT_TIMEOUT_S:
            errors.append(
                FieldError(
                    "payment_timeout_s",
                    f"must be between {MIN_PAYMENT_TIMEOUT_S} and {MAX_PAYMENT_TIMEOUT_S} seconds",
                )
            )
        strategy = s.allocation_strategy
        if strategy is not None and strategy not in ALLOCATION_STRATEGIES:
            errors.append(
                FieldError(
                    "allocation_strategy",
                    f"must be one of {', '.join(sorted(ALLOCATION_STRATEGIES))}",
                )
            )
        errors += shipping_errors(s.preferred_carrier, s.service_level)
        if s.time_zone and not is_time_zone(s.time_zone):
            errors.append(FieldError("time_zone", "an IANA time zone such as Asia/Shanghai"))
        if errors:
            raise InvalidArgument("invalid store settings", errors)
        place = {"region", "city", *CODE_FIELDS}
        changes = {k: v for k, v in vars(s).items() if v is not None and k not in place}
        return replace(self, **changes, **vars(self._moved(s)))

    def _moved(self, s: StoreSettings) -> Located:
        """Where the store is after `s`: codes place it anew; a different region or city
        given as text places it by text (its codes no longer hold); otherwise unchanged."""
        region = self.region if s.region is None else s.region
        city = self.city if s.city is None else s.city
        if any(s.codes.values()):
            return _locate("" if s.region is None else s.region, city, s.codes)
        where = _locate(region, city, {})
        if (where.region, where.city) == (self.region, self.city):
            here = {k: v for k, v in vars(self).items() if k in vars(where)}
            return Located(**here)
        return where


NO_CODES: dict[str, None] = dict.fromkeys(CODE_FIELDS)


def _locate(region: str, city: str, codes: dict[str, str]) -> Located:
    try:
        return locate(region=region, city=city, **codes)
    except DivisionError as e:
        raise InvalidArgument("invalid store place", [FieldError(e.field, e.message)]) from e


def shipping_errors(carrier: str | None, level: str | None) -> list[FieldError]:
    """A carrier code (empty allowed) and a service level, when given."""
    errors = []
    if carrier and not CARRIER_CODE.fullmatch(carrier):
        errors.append(
            FieldError("preferred_carrier", "a carrier code: lowercase letters, digits, - or _")
        )
    if level is not None and level not in SERVICE_LEVELS:
        errors.append(FieldError("service_level", f"must be one of {', '.join(SERVICE_LEVELS)}"))
    return errors


def _required(**values: str) -> list[FieldError]:
    return [FieldError(name, "is required") for name, value in values.items() if not value.strip()]
