"""The vendored GB/T 2260 table, sales regions from provinces, mobiles and postcodes."""

from __future__ import annotations

import pytest

from chainkit.china.contact import is_postcode, normalise_mobile
from chainkit.china.divisions import DivisionError, cities, name_of, provinces, resolve
from chainkit.china.places import Located, city_named, locate
from chainkit.china.regions import (
    REMOTE_PROVINCES,
    SALES_REGIONS,
    normalise_region,
    region_of_province,
)


def test_the_table_has_every_level_and_nests_by_code() -> None:
    assert len(provinces()) == 31
    assert name_of("310000") == "上海市" and name_of("310115") == "浦东新区"
    place = resolve("310000", "310100", "310115")
    assert (place.province.name, place.city and place.city.name) == ("上海市", "上海市")
    assert place.district and place.district.name == "浦东新区" and place.region == "华东"
    # The district alone says the rest; a city without districts needs none.
    assert resolve(district_code="440305").city == resolve(city_code="440300").city  # 深圳
    assert resolve(city_code="441900").district is None  # 东莞市
    assert resolve(province_code="540000").region == "西南"


@pytest.mark.parametrize(
    ("codes", "field"),
    [
        (("110000", "", "310115"), "province_code"),  # 浦东 is not in 北京
        (("", "320100", "310115"), "city_code"),  # nor in 南京
        (("", "", "999999"), "district_code"),  # no such code
        (("", "", "31011"), "district_code"),  # not six digits
        (("", "", "310100"), "district_code"),  # a city, not a district
        (("", "310000", ""), "city_code"),  # a province, not a city
        (("", "", ""), "province_code"),
    ],
)
def test_codes_that_do_not_exist_or_do_not_nest_name_the_field(
    codes: tuple[str, str, str], field: str
) -> None:
    with pytest.raises(DivisionError) as refused:
        resolve(*codes)
    assert refused.value.field == field


def test_every_province_has_a_sales_region_and_old_values_are_read() -> None:
    assert {region_of_province(p.code) for p in provinces()} == set(SALES_REGIONS)
    assert region_of_province("650100") == "西北" and region_of_province("810000") == ""
    assert {"540000", "630000", "650000"} == REMOTE_PROVINCES
    assert [normalise_region(v) for v in ("east", " North ", "华南", "", "mars")] == [
        "华东",
        "华北",
        "华南",
        "",
        None,
    ]


def test_mainland_mobiles_and_postcodes() -> None:
    for ok in ("13812345678", "+86 138-1234-5678", "0086 19912345678", "86 15012345678"):
        assert normalise_mobile(ok) in ("13812345678", "19912345678", "15012345678")
    for bad in ("12812345678", "1381234567", "138123456789", "021-12345678", "abc"):
        assert normalise_mobile(bad) is None
    assert is_postcode("200120") and not is_postcode("20012") and not is_postcode("2001\uff120")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Shanghai", "310100"),
        ("上海", "310100"),
        ("上海市", "310100"),
        (" hangzhou ", "330100"),
        ("杭州", "330100"),
        ("杭州市", "330100"),
        ("Xi'an", "610100"),
        ("Beijing City", "110100"),
        ("浦东新区", None),  # a district, not a city
        ("Springfield", None),
        ("", None),
    ],
)
def test_city_named_recognises_one_city_or_none(text: str, code: str | None) -> None:
    place = city_named(text)
    assert (place.city.code if place and place.city else None) == code


def test_cities_name_municipalities_by_themselves() -> None:
    by_code = {c.code: c.name for c in cities()}
    assert by_code["310100"] == "上海市" and by_code["330100"] == "杭州市"
    assert all(not c.endswith("0000") for c in by_code)


def test_locate_by_codes_or_by_text() -> None:
    assert locate(region="east", city="Hangzhou") == Located("华东", "Hangzhou")
    assert locate(region="", city="", district_code="330106") == Located(
        "华东", "杭州市", "330000", "浙江省", "330100", "330106", "西湖区"
    )
    assert locate(region="", city="Yiwu", province_code="330000").city == "Yiwu"
    with pytest.raises(DivisionError) as e:
        locate(region="north", city="", district_code="330106")
    assert e.value.field == "region" and "浙江省 is in 华东" in e.value.message
