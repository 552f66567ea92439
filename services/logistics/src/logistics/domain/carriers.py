"""Carriers, what they serve and promise, and how long a parcel may sit silent with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from chainkit.china.regions import (
    EAST,
    REMOTE_PROVINCES,
    SOUTH,
    region_of_province,
    region_or_as_is,
)
from logistics.domain.tracking import TrackingStatus

ANY_REGION = "*"


class UpdateMode(StrEnum):
    PUSH = "push"  # the carrier calls our webhook
    POLL = "poll"  # we ask the carrier


class ServiceLevel(StrEnum):
    """Promised speed a shipment must meet: at most this many days door to door."""

    EXPRESS = "express"
    STANDARD = "standard"
    ECONOMY = "economy"

    @property
    def max_days(self) -> int:
        return {"express": 1, "standard": 3, "economy": 10}[self.value]


@dataclass(frozen=True)
class WeightBand:
    up_to_g: int
    price: int  # minor units (fen) for any parcel up to this weight


# Out for delivery (or a failed attempt): the last step is near, so we ask more often.
NEAR_DELIVERY = (TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.FAILED_ATTEMPT)


@dataclass(frozen=True)
class PollCadence:
    """How often we ask a poll-mode carrier about one parcel, in multiples of the
    deployment's base poll interval (LOGISTICS_POLL_INTERVAL_S), so a demo with a fast
    simulator and production with real carriers share the same rules."""

    normal: float = 1.0
    near_delivery: float = 0.25

    def after(self, status: TrackingStatus, base: timedelta) -> timedelta:
        return base * (self.near_delivery if status in NEAR_DELIVERY else self.normal)


# A parcel silent for longer than this in a status is stalled (unless the carrier says else).
DEFAULT_STALL_AFTER: Mapping[TrackingStatus, timedelta] = {
    TrackingStatus.INFO_RECEIVED: timedelta(hours=24),  # never picked up
    TrackingStatus.PICKED_UP: timedelta(hours=24),
    TrackingStatus.IN_TRANSIT: timedelta(hours=48),
    TrackingStatus.ARRIVED_AT_HUB: timedelta(hours=36),
    TrackingStatus.OUT_FOR_DELIVERY: timedelta(hours=12),
    TrackingStatus.FAILED_ATTEMPT: timedelta(hours=30),
    TrackingStatus.EXCEPTION: timedelta(hours=24),
}


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    regions: frozenset[str]  # sales regions (华东, ...); `*` = nationwide
    update_mode: UpdateMode
    bands: tuple[WeightBand, ...]  # lightest first; the last one's limit is the max weight
    days_same_region: int
    days_other_region: int
    cadence: PollCadence = PollCadence()
    stall_after: Mapping[TrackingStatus, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_STALL_AFTER)
    )
    # A pushing carrier that sends nothing for any parcel for this long is "gone quiet".
    push_gap_after: timedelta = timedelta(hours=6)
    # Provinces (GB/T 2260 codes) it does not deliver to, whatever its regions say.
    excluded_provinces: frozenset[str] = frozenset()

    @property
    def max_weight_g(self) -> int:
        return self.bands[-1].up_to_g

    def serves(self, region: str, weight_g: int, province_code: str = "") -> bool:
        """`region` may be an old English value (east) or empty when a province is given."""
        region = region_or_as_is(region) or region_of_province(province_code)
        province = province_code[:2] + "0000" if province_code else ""
        if province in self.excluded_provinces:
            return False
        in_region = ANY_REGION in self.regions or region in self.regions
        return in_region and 0 < weight_g <= self.max_weight_g

    def price(self, weight_g: int) -> int:
        """The first band the parcel fits in (callers check `serves` first)."""
        return next(b.price for b in self.bands if weight_g <= b.up_to_g)

    def days(self, origin_region: str, region: str) -> int:
        """Promised days; an unknown origin is taken as another region (the safe promise)."""
        same = bool(origin_region) and region_or_as_is(origin_region) == region_or_as_is(region)
        return self.days_same_region if same else self.days_other_region

    def meets(self, level: ServiceLevel, origin_region: str, region: str) -> bool:
        return self.days(origin_region, region) <= level.max_days

    def service_levels(self) -> list[ServiceLevel]:
        return [lvl for lvl in ServiceLevel if self.days_same_region <= lvl.max_days]

    def stall_limit(self, status: TrackingStatus, default: timedelta) -> timedelta | None:
        """How long a parcel may go without a scan in this status; None once terminal."""
        if status.is_terminal:
            return None
        return self.stall_after.get(status, default)


# The demo chain's carriers, modelled on real Chinese couriers (the simulator plays them):
# sf    SF-like express: nationwide, next day, pushes signed scans as they happen.
# zto   ZTO-like economy line for heavy parcels: must be polled, and rate-limits us.
# yto   YTO-like economy courier, contracted for 华东 and 华南: cheap, slower, polled.
# jd    JD-like: its own network, fast between its hubs, pushes signed scans.
# ems   EMS-like postal service: the only one that goes to the remote provinces (西藏,
#       新疆, 青海); tracked through a Kuaidi100-style aggregator whose pushes come late,
#       twice, out of order or not at all (its poll query is the safety net).
# The other four leave the remote provinces out of the chain's contract with them.
DEFAULT_CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        code="sf",
        name="顺丰速运 (SF-like)",
        regions=frozenset({ANY_REGION}),
        update_mode=UpdateMode.PUSH,
        bands=(WeightBand(1_000, 800), WeightBand(5_000, 1_200), WeightBand(20_000, 2_500)),
        days_same_region=1,
        days_other_region=1,
        excluded_provinces=REMOTE_PROVINCES,
    ),
    Carrier(
        code="zto",
        name="中通快递 (ZTO-like)",
        regions=frozenset({ANY_REGION}),
        update_mode=UpdateMode.POLL,
        bands=(WeightBand(5_000, 1_000), WeightBand(30_000, 1_500), WeightBand(100_000, 3_000)),
        days_same_region=2,
        days_other_region=3,
        cadence=PollCadence(normal=1.0, near_delivery=0.25),
        excluded_provinces=REMOTE_PROVINCES,
    ),
    Carrier(
        code="yto",
        name="圆通速递 (YTO-like)",
        regions=frozenset({EAST, SOUTH}),
        update_mode=UpdateMode.POLL,
        bands=(WeightBand(2_000, 500), WeightBand(10_000, 900)),
        days_same_region=3,
        days_other_region=5,
        cadence=PollCadence(normal=2.0, near_delivery=0.5),
        # Economy scans are sparse: give it more rope before calling it stalled.
        stall_after={s: t * 2 for s, t in DEFAULT_STALL_AFTER.items()},
        excluded_provinces=REMOTE_PROVINCES,
    ),
    Carrier(
        code="jd",
        name="京东物流 (JD-like)",
        regions=frozenset({ANY_REGION}),
        update_mode=UpdateMode.PUSH,
        bands=(WeightBand(1_000, 1_100), WeightBand(5_000, 1_600), WeightBand(30_000, 3_200)),
        days_same_region=1,
        days_other_region=2,
        excluded_provinces=REMOTE_PROVINCES,
    ),
    Carrier(
        code="ems",
        name="中国邮政 EMS (EMS-like)",
        regions=frozenset({ANY_REGION}),
        update_mode=UpdateMode.PUSH,
        bands=(WeightBand(1_000, 1_300), WeightBand(5_000, 2_200), WeightBand(30_000, 5_000)),
        days_same_region=2,
        days_other_region=3,
        # The aggregator's pushes arrive late and some never do: more rope, longer gaps.
        stall_after={s: t * 2 for s, t in DEFAULT_STALL_AFTER.items()},
        push_gap_after=timedelta(hours=12),
    ),
)
