"""Stores placed by GB/T 2260 code: names, city and region from the vendored table, errors
on the field at fault, text placement still accepted, and the codes kept in the database."""

from __future__ import annotations

from typing import Any

import pytest

from chainkit.errors import InvalidArgument
from orders.adapters.order_messages import store_pb
from orders.domain.store import Store, StoreSettings
from orders.entrypoints.bootstrap import OrdersApp
from orders.service_layer import stores

BASE: dict[str, Any] = {
    "store_id": "S9",
    "name": "West Lake",
    "kind": "franchise",
    "location_id": "L9",
}


def _fields(e: pytest.ExceptionInfo[InvalidArgument]) -> list[str]:
    return [f.field for f in e.value.errors]


def test_a_district_code_alone_places_the_store() -> None:
    store = Store.create(**BASE, region="", city="", settings=StoreSettings(district_code="330106"))
    assert (store.region, store.city) == ("华东", "杭州市")
    assert (store.province_code, store.province, store.city_code) == ("330000", "浙江省", "330100")
    assert (store.district_code, store.district) == ("330106", "西湖区")


def test_a_province_alone_keeps_the_city_text_and_a_municipality_names_its_city() -> None:
    by_province = Store.create(
        **BASE, region="", city="Yiwu", settings=StoreSettings(province_code="330000")
    )
    assert (by_province.region, by_province.city, by_province.city_code) == ("华东", "Yiwu", "")
    shanghai = Store.create(**BASE, region="", city="", settings=StoreSettings(city_code="310100"))
    assert (shanghai.city, shanghai.province) == ("上海市", "上海市")


@pytest.mark.parametrize(
    ("codes", "region", "field"),
    [
        ({"district_code": "339999"}, "", "district_code"),  # not in the table
        ({"district_code": "33010x"}, "", "district_code"),  # not six digits
        ({"city_code": "330106"}, "", "city_code"),  # a district, not a city
        ({"province_code": "110000", "district_code": "330106"}, "", "province_code"),
        ({"district_code": "330106"}, "north", "region"),  # 浙江省 is in 华东
    ],
)
def test_codes_are_checked_against_the_division_table(
    codes: dict[str, str], region: str, field: str
) -> None:
    with pytest.raises(InvalidArgument) as e:
        Store.create(**BASE, region=region, city="", settings=StoreSettings(**codes))
    assert _fields(e) == [field]


def test_text_placement_works_as_before() -> None:
    store = Store.create(**BASE, region="east", city="Hangzhou")
    assert (store.region, store.city, store.province_code) == ("华东", "Hangzhou", "")
    with pytest.raises(InvalidArgument) as e:
        Store.create(**BASE, region="", city="Hangzhou")
    assert _fields(e) == ["region"]


def test_an_update_places_anew_by_code_and_by_text_clears_the_codes() -> None:
    store = Store.create(**BASE, region="east", city="Hangzhou")
    moved = store.updated(StoreSettings(district_code="110101"))
    assert (moved.region, moved.city, moved.province, moved.district) == (
        "华北",
        "北京市",
        "北京市",
        "东城区",
    )
    assert moved.updated(StoreSettings(auto_confirm=True)).district_code == "110101"
    assert moved.updated(StoreSettings(region="华北", city="北京市")).district_code == "110101"
    by_text = moved.updated(StoreSettings(city="Tongzhou"))
    assert (by_text.region, by_text.city, by_text.province_code, by_text.district) == (
        "华北",
        "Tongzhou",
        "",
        "",
    )
    with pytest.raises(InvalidArgument) as e:
        moved.updated(StoreSettings(region="华南", district_code="110101"))
    assert _fields(e) == ["region"]


async def test_codes_and_names_are_stored_and_shown(app: OrdersApp) -> None:
    made = store_pb(
        await stores.create_store(
            app.deps, **BASE, region="", city="", settings=StoreSettings(district_code="330106")
        )
    )
    got = store_pb(await stores.get_store(app.deps, "S9"))
    listed, _ = await stores.list_stores(app.deps)
    for view in (made, got, next(s for s in listed if s.store_id == "S9")):
        assert (view.province_code, view.province, view.city_code, view.city) == (
            "330000",
            "浙江省",
            "330100",
            "杭州市",
        )
        assert (view.district_code, view.district, view.region) == ("330106", "西湖区", "华东")
    moved = store_pb(await stores.update_store(app.deps, "S9", StoreSettings(city_code="310100")))
    assert (moved.province, moved.city, moved.district_code, moved.region) == (
        "上海市",
        "上海市",
        "",
        "华东",
    )
    assert store_pb(await stores.get_store(app.deps, "S9")).city_code == "310100"
