"""Chinese addresses at the gateway: GB/T 2260 codes give names and the sales region,
mainland mobiles and postcodes are checked, and every refusal names its field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"
PUDONG = {
    "name": "李雷",
    "phone": "+86 138-1234-5678",
    "district_code": "310115",
    "line1": "世纪大道 1 号",
    "postcode": "200120",
}


def order(address: dict[str, Any]) -> dict[str, Any]:
    return {
        "store_id": "S1",
        "channel": "online",
        "lines": [{"sku": "SKU-1", "qty": 1}],
        "shipping_address": address,
    }


async def test_a_district_code_names_the_province_city_and_sales_region(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    r = await client.post("/v1/orders", json=order(PUDONG), headers=tokens.alice)
    assert r.status_code == 201, r.text
    sent = backends.orders.last("CreateOrder").shipping_address
    assert (sent.province_code, sent.province) == ("310000", "上海市")
    assert (sent.city_code, sent.city) == ("310100", "上海市")
    assert (sent.district_code, sent.district) == ("310115", "浦东新区")
    assert (sent.region, sent.phone, sent.postcode) == ("华东", "13812345678", "200120")
    assert (sent.name, sent.line1) == ("李雷", "世纪大道 1 号")  # Chinese kept as written


async def test_old_free_text_addresses_still_work_with_their_region_renamed(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    old = {"name": "Li", "phone": "13800000000", "region": "east", "city": "Shanghai"}
    r = await client.post("/v1/orders", json=order({**old, "line1": "1 Rd"}), headers=tokens.alice)
    assert r.status_code == 201, r.text
    sent = backends.orders.last("CreateOrder").shipping_address
    assert (sent.region, sent.city, sent.province_code) == ("华东", "Shanghai", "")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"phone": "12345"}, "shipping_address.phone", "mainland mobile number"),
        ({"phone": "021-6888 8888"}, "shipping_address.phone", "11 digits"),
        ({"postcode": "20012"}, "shipping_address.postcode", ""),
        ({"district_code": "999999"}, "shipping_address.district_code", "no division 999999"),
        ({"district_code": "3101151"}, "shipping_address.district_code", ""),
        ({"province_code": "110000"}, "shipping_address.province_code", "310000"),
        ({"region": "华北"}, "shipping_address.region", "上海市 is in 华东"),
        ({"region": "mars"}, "shipping_address.region", "华东"),
        ({"district_code": None, "region": "east"}, "shipping_address.city", "required"),
    ],
)
async def test_bad_addresses_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: Any,
    change: dict[str, Any],
    field: str,
    says: str,
) -> None:
    address = {k: v for k, v in {**PUDONG, **change}.items() if v is not None}
    r = await client.post("/v1/orders", json=order(address), headers=tokens.alice)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert says in errors[0]["message"]


async def test_stores_and_locations_placed_by_codes(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    location = {"location_id": "WH-PD", "name": "浦东仓", "kind": "warehouse"}
    r = await client.post(
        "/v1/locations", json={**location, "district_code": "310115"}, headers=tokens.hq
    )
    assert r.status_code == 201, r.text
    sent = backends.inventory.last("CreateLocation").location
    assert (sent.region, sent.city) == ("华东", "上海市")
    assert (r.json()["region"], r.json()["city"]) == ("华东", "上海市")

    store = {"store_id": "S9", "name": "拉萨店", "kind": "direct", "location_id": "L9"}
    r = await client.post("/v1/stores", json={**store, "city_code": "540100"}, headers=tokens.hq)
    assert r.status_code == 201, r.text
    sent_store = backends.orders.last("CreateStore")
    assert (sent_store.store.region, sent_store.store.city) == ("西南", "拉萨市")

    wrong = await client.post(
        "/v1/stores",
        json={**store, "province_code": "540000", "region": "西北"},
        headers=tokens.hq,
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["region"]
    neither = await client.post("/v1/locations", json=location, headers=tokens.hq)
    assert neither.status_code == 422
    assert {e["field"] for e in neither.json()["errors"]} == {"region", "city"}


async def test_a_store_keeps_its_codes_and_shows_their_names(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    store = {"store_id": "S9", "name": "西湖店", "kind": "franchise", "location_id": "L9"}
    r = await client.post(
        "/v1/stores", json={**store, "district_code": "330106"}, headers=tokens.hq
    )
    assert r.status_code == 201, r.text
    sent = backends.orders.last("CreateStore").store
    assert (sent.district_code, sent.province_code, sent.city_code) == ("330106", "", "")
    got = (await client.get("/v1/stores/S9", headers=tokens.hq)).json()
    for body in (r.json(), got):
        assert {k: body[k] for k in ("region", "city", "province", "district")} == {
            "region": "华东",
            "city": "杭州市",
            "province": "浙江省",
            "district": "西湖区",
        }
        assert (body["province_code"], body["city_code"], body["district_code"]) == (
            "330000",
            "330100",
            "330106",
        )

    moved = await client.patch("/v1/stores/S9", json={"district_code": "110101"}, headers=tokens.hq)
    assert moved.status_code == 200, moved.text
    update = backends.orders.last("UpdateStore")
    assert update.HasField("district_code") and not update.HasField("province_code")
    assert (update.region, update.city) == ("华北", "北京市")  # checked here too
    assert (moved.json()["province"], moved.json()["district"]) == ("北京市", "东城区")


@pytest.mark.parametrize(
    ("path", "body", "field", "says"),
    [
        ("/v1/stores/S1", {"district_code": "999999"}, "district_code", "no division 999999"),
        ("/v1/stores/S1", {"city_code": "310115"}, "city_code", "not a prefecture-level city"),
        ("/v1/stores/S1", {"district_code": "310115", "region": "华北"}, "region", "华东"),
        ("/v1/stores/S1", {"province_code": "31"}, "province_code", ""),
        (
            "/v1/locations",
            {"location_id": "X", "name": "x", "kind": "warehouse", "district_code": "3101"},
            "district_code",
            "",
        ),
    ],
)
async def test_bad_place_codes_are_refused_naming_the_field(
    client: httpx.AsyncClient, tokens: Any, path: str, body: dict[str, Any], field: str, says: str
) -> None:
    send = client.patch if path.startswith("/v1/stores/") else client.post
    r = await send(path, json=body, headers=tokens.hq)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert says in errors[0]["message"]


async def test_a_location_keeps_its_codes_and_shows_their_names(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    location = {"location_id": "WH-PD", "name": "浦东仓", "kind": "warehouse"}
    r = await client.post(
        "/v1/locations", json={**location, "district_code": "310115"}, headers=tokens.hq
    )
    assert r.status_code == 201, r.text
    assert backends.inventory.last("CreateLocation").location.district_code == "310115"
    listed = (await client.get("/v1/locations", headers=tokens.hq)).json()["items"]
    for body in (r.json(), next(x for x in listed if x["location_id"] == "WH-PD")):
        assert (body["province_code"], body["province"], body["city_code"]) == (
            "310000",
            "上海市",
            "310100",
        )
        assert (body["district_code"], body["district"], body["city"]) == (
            "310115",
            "浦东新区",
            "上海市",
        )
