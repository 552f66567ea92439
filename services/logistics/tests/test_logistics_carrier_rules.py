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
    sf = next(c for c in DEFAULT_CARRIERS if c.code == "sf")
    assert [sf.price(w) for w in (1, 1000, 1001, 5000, 20_000)] == [800, 800, 1200, 1200, 2500]
    assert sf.max_weight_g == 20_000
    assert not sf.serves("east", 20_001) and not sf.serves("east", 0)


def test_cheapest_meeting_the_standard_level_wins_with_its_reason() -> None:
    code, reason = pick(800)  # yto is cheaper but promises 5 days from an unknown origin
    assert code == "sf"
    assert "cheapest meeting standard" in reason and "sf 800" in reason
    assert "yto" not in reason  # only carriers meeting the level are priced
    assert pick(15_000)[0] == "zto"  # 1500 beats sf's 2500
    assert pick(30_000)[0] == "zto"  # over sf's max weight


def test_same_region_is_faster_and_economy_opens_the_cheap_carrier() -> None:
    # From an east warehouse to an east address yto promises 3 days: meets standard.
    assert pick(800, origin="east")[0] == "yto"
    assert pick(800, level=ECONOMY)[0] == "yto"
    # yto does not serve the west at all.
    assert pick(800, region="west", level=ECONOMY)[0] == "sf"
    # Express: only sf promises one day.
    assert pick(15_000, level=EXPRESS)[0] == "sf"
    with pytest.raises(Conflict):
        pick(25_000, level=EXPRESS)  # sf cannot carry it, nobody else is fast enough


def test_store_preference_beats_price_only_when_it_qualifies() -> None:
    code, reason = pick(800, preferred="zto")
    assert code == "zto" and "store preference" in reason
    # yto cannot meet standard from an unknown origin: the cheapest qualifying one wins,
    # and the record says why the preference was passed over.
    code, reason = pick(800, preferred="yto")
    assert code == "sf" and "store preference yto cannot serve" in reason


def test_staff_override_must_exist_and_serve_but_may_be_slower() -> None:
    code, reason = pick(800, override="zto", level=EXPRESS)
    assert code == "zto" and "staff override" in reason and "slower than express" in reason
    with pytest.raises(InvalidArgument) as unknown:
        pick(800, override="pigeon")
    assert unknown.value.errors[0].field == "carrier"
    with pytest.raises(InvalidArgument):
        pick(25_000, override="sf")  # over its max weight
    with pytest.raises(InvalidArgument):
        pick(800, region="west", override="yto")  # outside its regions


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
    sf, zto, yto, *_ = DEFAULT_CARRIERS
    default = timedelta(hours=48)
    assert sf.stall_limit(TrackingStatus.OUT_FOR_DELIVERY, default) == timedelta(hours=12)
    assert sf.stall_limit(TrackingStatus.IN_TRANSIT, default) == timedelta(hours=48)
    assert yto.stall_limit(TrackingStatus.OUT_FOR_DELIVERY, default) == timedelta(hours=24)
    assert sf.stall_limit(TrackingStatus.DELIVERED, default) is None
    base = timedelta(minutes=20)
    assert zto.cadence.after(TrackingStatus.IN_TRANSIT, base) == base
    assert zto.cadence.after(TrackingStatus.OUT_FOR_DELIVERY, base) == timedelta(minutes=5)


def test_remote_provinces_go_with_the_ems_like_carrier() -> None:
    """西藏, 新疆 and 青海 are left out by every carrier but ems; the region alone (西南,
    西北) does not exclude the rest of the region."""
    for province in ("540000", "650100", "632800"):  # a province, a city, a prefecture
        choice = choose_carrier(DEFAULT_CARRIERS, Parcel("", 800, province_code=province))
        assert choice.carrier.code == "ems"
        assert f"province {province}" in choice.reason
    # 四川 is in 西南 like 西藏, but not remote: the cheapest wins as usual.
    assert (
        choose_carrier(DEFAULT_CARRIERS, Parcel("", 800, province_code="510000")).carrier.code
        == "sf"
    )
    with pytest.raises(InvalidArgument, match="sf does not serve"):
        choose_carrier(DEFAULT_CARRIERS, Parcel("", 800, province_code="540000"), override="sf")


def test_regions_by_chinese_name_old_english_values_and_province() -> None:
    east = Parcel("east", 800, "east", ECONOMY)
    assert (east.region, east.origin_region) == ("华东", "华东")
    assert Parcel("", 800, province_code="310000").region == "华东"  # 上海
    # yto's contract covers 华东 and 华南: the old value and the new name choose alike.
    for region in ("east", "华东", "south", "华南"):
        assert pick(800, region=region, level=ECONOMY)[0] == "yto"
    assert pick(800, region="华北", level=ECONOMY)[0] == "sf"
    yto = next(c for c in DEFAULT_CARRIERS if c.code == "yto")
    assert yto.regions == frozenset({"华东", "华南"})
    assert yto.days("east", "华东") == yto.days_same_region  # same region, either spelling
