"""Carrier selection: region, weight bands and max weight, price, service level, store
preference, staff override; stall limits and poll cadence per carrier and status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chainkit.errors import Conflict, InvalidArgument
from logistics.domain.carrier_choice import Parcel, choose_carrier, parse_level
from logistics.domain.carriers import (
    DEFAULT_CARRIERS,
    Carrier,
    ServiceLevel,
    UpdateMode,
    WeightBand,
)
from logistics.domain.tracking import TrackingStatus

EXPRESS, STANDARD, ECONOMY = ServiceLevel.EXPRESS, ServiceLevel.STANDARD, ServiceLevel.ECONOMY


def pick(weight_g: int, region: str = "east", **kw: object) -> tuple[str, str]:
    origin = str(kw.pop("origin", ""))
    level = kw.pop("level", STANDARD)
    assert isinstance(level, ServiceLevel)
    choice = choose_carrier(
        DEFAULT_CARRIERS,
        Parcel(region, weight_g, origin, level),
        **kw,  # type: ignore[arg-type]
    )
    return choice.carrier.code, choice.reason


def test_price_comes_from_the_weight_band_the_parcel_fits() -> None:
    swift = next(c for c in DEFAULT_CARRIERS if c.code == "swift")
    assert [swift.price(w) for w in (1, 1000, 1001, 5000, 20_000)] == [800, 800, 1200, 1200, 2500]
    assert swift.max_weight_g == 20_000
    assert not swift.serves("east", 20_001) and not swift.serves("east", 0)


def test_cheapest_meeting_the_standard_level_wins_with_its_reason() -> None:
    code, reason = pick(800)  # lazy is cheaper but promises 5 days from an unknown origin
    assert code == "swift"
    assert "cheapest meeting standard" in reason and "swift 800" in reason
    assert "lazy" not in reason  # only carriers meeting the level are priced
    assert pick(15_000)[0] == "steady"  # 1500 beats swift's 2500
    assert pick(30_000)[0] == "steady"  # over swift's max weight


def test_same_region_is_faster_and_economy_opens_the_cheap_carrier() -> None:
    # From an east warehouse to an east address lazy promises 3 days: meets standard.
    assert pick(800, origin="east")[0] == "lazy"
    assert pick(800, level=ECONOMY)[0] == "lazy"
    # lazy does not serve the west at all.
    assert pick(800, region="west", level=ECONOMY)[0] == "swift"
    # Express: only swift promises one day.
    assert pick(15_000, level=EXPRESS)[0] == "swift"
    with pytest.raises(Conflict):
        pick(25_000, level=EXPRESS)  # swift cannot carry it, nobody else is fast enough


def test_store_preference_beats_price_only_when_it_qualifies() -> None:
    code, reason = pick(800, preferred="steady")
    assert code == "steady" and "store preference" in reason
    # lazy cannot meet standard from an unknown origin: the cheapest qualifying one wins,
    # and the record says why the preference was passed over.
    code, reason = pick(800, preferred="lazy")
    assert code == "swift" and "store preference lazy cannot serve" in reason


def test_staff_override_must_exist_and_serve_but_may_be_slower() -> None:
    code, reason = pick(800, override="steady", level=EXPRESS)
    assert code == "steady" and "staff override" in reason and "slower than express" in reason
    with pytest.raises(InvalidArgument) as unknown:
        pick(800, override="pigeon")
    assert unknown.value.errors[0].field == "carrier"
    with pytest.raises(InvalidArgument):
        pick(25_000, override="swift")  # over its max weight
    with pytest.raises(InvalidArgument):
        pick(800, region="west", override="lazy")  # outside its regions


def test_ties_go_to_the_faster_then_the_code() -> None:
    a = Carrier("a", "A", frozenset({"*"}), UpdateMode.POLL, (WeightBand(5000, 100),), 2, 2)
    b = Carrier("b", "B", frozenset({"*"}), UpdateMode.POLL, (WeightBand(5000, 100),), 1, 1)
    c = Carrier("c", "C", frozenset({"*"}), UpdateMode.POLL, (WeightBand(5000, 100),), 1, 1)
    chosen = choose_carrier([a, c, b], Parcel("x", 10))
    assert chosen.carrier.code == "b" and chosen.price == 100 and chosen.days == 1
    with pytest.raises(Conflict):
        choose_carrier([a], Parcel("x", 6000))


def test_service_level_parsing() -> None:
    assert parse_level("") is STANDARD and parse_level(" Express ") is EXPRESS
    with pytest.raises(InvalidArgument) as bad:
        parse_level("teleport")
    assert bad.value.errors[0].field == "service_level"


def test_stall_limits_per_carrier_and_status_and_poll_cadence() -> None:
    swift, steady, lazy = DEFAULT_CARRIERS
    default = timedelta(hours=48)
    assert swift.stall_limit(TrackingStatus.OUT_FOR_DELIVERY, default) == timedelta(hours=12)
    assert swift.stall_limit(TrackingStatus.IN_TRANSIT, default) == timedelta(hours=48)
    assert lazy.stall_limit(TrackingStatus.OUT_FOR_DELIVERY, default) == timedelta(hours=24)
    assert swift.stall_limit(TrackingStatus.DELIVERED, default) is None
    base = timedelta(minutes=20)
    assert steady.cadence.after(TrackingStatus.IN_TRANSIT, base) == base
    assert steady.cadence.after(TrackingStatus.OUT_FOR_DELIVERY, base) == timedelta(minutes=5)
