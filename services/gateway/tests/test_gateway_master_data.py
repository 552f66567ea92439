"""Stores, locations, products and stock: hq writes, translation both ways."""

from __future__ import annotations

from typing import Any

import httpx

from chainstore.inventory.v1 import inventory_pb2
from chainstore.orders.v1 import orders_pb2

NO_CODES = dict.fromkeys(
    ("province_code", "province", "city_code", "district_code", "district"), ""
)
STORE = {
    "store_id": "S1",
    "name": "Nanjing Road",
    "region": "east",
    "city": "Shanghai",
    "kind": "franchise",
    "location_id": "LOC-S1",
}


async def test_hq_creates_and_updates_stores(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    created = await client.post(
        "/v1/stores", json={**STORE, "payment_timeout_s": 600}, headers=tokens.hq
    )
    patched = await client.patch("/v1/stores/S1", json={"auto_confirm": True}, headers=tokens.hq)
    listed = await client.get("/v1/stores", headers=tokens.alice)

    assert created.status_code == 201, created.text
    assert created.json() == {
        **STORE,
        "region": "华东",  # sent as the old "east": stored by its Chinese name
        "payment_timeout_s": 600,
        "auto_confirm": False,
        "share_stock_online": False,
        "allocation_strategy": "region_priority",
        "preferred_carrier": "",
        "service_level": "standard",
        "time_zone": "",
        **NO_CODES,  # placed by text: no GB/T 2260 codes
    }
    request = backends.orders.last("CreateStore")
    assert request.store.kind == orders_pb2.STORE_KIND_FRANCHISE
    assert request.HasField("payment_timeout_s") and not request.HasField("share_stock_online")
    assert not request.HasField("preferred_carrier") and not request.HasField("service_level")
    assert patched.json()["auto_confirm"] is True
    update = backends.orders.last("UpdateStore")
    assert update.HasField("auto_confirm") and not update.HasField("name")
    assert [s["store_id"] for s in listed.json()["items"]] == ["S1"]


async def test_store_carrier_preference_and_service_level_round_trip(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    shipping = {"preferred_carrier": "steady", "service_level": "express"}
    created = await client.post("/v1/stores", json={**STORE, **shipping}, headers=tokens.hq)
    sent = backends.orders.last("CreateStore")
    got = await client.get("/v1/stores/S1", headers=tokens.staff_s1)
    cleared = await client.patch(
        "/v1/stores/S1",
        json={"preferred_carrier": " ", "service_level": "economy"},
        headers=tokens.hq,
    )
    update = backends.orders.last("UpdateStore")
    bad = await client.patch(
        "/v1/stores/S1", json={"service_level": "overnight"}, headers=tokens.hq
    )

    assert created.status_code == 201, created.text
    assert (sent.preferred_carrier, sent.service_level) == ("steady", "express")
    assert {k: got.json()[k] for k in shipping} == shipping
    # An empty preference is sent (not left out): it clears the store's preference.
    assert update.HasField("preferred_carrier") and update.preferred_carrier == ""
    assert not update.HasField("name")
    assert cleared.json()["preferred_carrier"] == ""
    assert cleared.json()["service_level"] == "economy"
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["service_level"]
    assert backends.orders.count("UpdateStore") == 1


async def test_a_store_may_keep_its_business_days_in_its_own_time_zone(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    created = await client.post(
        "/v1/stores", json={**STORE, "time_zone": "Asia/Urumqi"}, headers=tokens.hq
    )
    sent = backends.orders.last("CreateStore")
    cleared = await client.patch("/v1/stores/S1", json={"time_zone": ""}, headers=tokens.hq)
    update = backends.orders.last("UpdateStore")
    bad = await client.patch("/v1/stores/S1", json={"time_zone": "../etc"}, headers=tokens.hq)

    assert created.status_code == 201, created.text
    assert sent.time_zone == "Asia/Urumqi" and created.json()["time_zone"] == "Asia/Urumqi"
    # Empty is sent (not left out): it returns the store to the chain's time zone.
    assert update.HasField("time_zone") and update.time_zone == ""
    assert cleared.json()["time_zone"] == ""
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["time_zone"]


async def test_master_data_writes_are_hq_only(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    product = {"sku": "SKU-1", "name": "Tea", "category": "food", "price": 1500, "weight_g": 250}
    for headers in (tokens.staff_s1, tokens.alice):
        assert (await client.post("/v1/stores", json=STORE, headers=headers)).status_code == 403
        r = await client.post("/v1/products", json=product, headers=headers)
        assert r.status_code == 403
    assert backends.orders.count("CreateStore") == 0
    assert backends.inventory.count("CreateProduct") == 0


async def test_store_validation(client: httpx.AsyncClient, tokens: Any) -> None:
    r = await client.post(
        "/v1/stores",
        json={**STORE, "kind": "chain", "allocation_strategy": "random", "payment_timeout_s": 0},
        headers=tokens.hq,
    )

    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"kind", "allocation_strategy", "payment_timeout_s"}


async def test_locations_with_share_online(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    location = {
        "location_id": "LOC-S1",
        "name": "Store 1 stockroom",
        "kind": "store",
        "region": "east",
        "city": "Shanghai",
        "priority": 5,
        "lat": 31.23,
        "lon": 121.47,
        "share_online": True,
    }
    r = await client.post("/v1/locations", json=location, headers=tokens.hq)
    half_point = await client.post(
        "/v1/locations", json={**location, "lon": None}, headers=tokens.hq
    )
    listed = await client.get("/v1/locations", headers=tokens.staff_s1)
    by_customer = await client.get("/v1/locations", headers=tokens.alice)

    assert r.status_code == 201, r.text
    assert r.json() == {**location, **NO_CODES, "region": "华东"}  # sent as "east"
    sent = backends.inventory.last("CreateLocation")
    assert sent.location.kind == inventory_pb2.LOCATION_KIND_STORE
    assert sent.HasField("share_online") and sent.share_online is True
    assert half_point.status_code == 422 and half_point.json()["errors"][0]["field"] == "lon"
    assert listed.json()["items"] == [{**location, **NO_CODES, "region": "华东"}]
    assert by_customer.status_code == 403


async def test_products_create_get_list_patch(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    product = {"sku": "SKU-1", "name": "Tea", "category": "food", "price": 1500, "weight_g": 250}
    created = await client.post("/v1/products", json=product, headers=tokens.hq)
    got = await client.get("/v1/products/SKU-1", headers=tokens.alice)
    missing = await client.get("/v1/products/NOPE", headers=tokens.alice)
    page = await client.get("/v1/products", params={"limit": 5}, headers=tokens.alice)
    patched = await client.patch("/v1/products/SKU-1", json={"price": 1800}, headers=tokens.hq)
    negative = await client.post("/v1/products", json={**product, "price": -1}, headers=tokens.hq)

    assert created.status_code == 201
    assert got.json() == {**product, "currency": "CNY", "barcode": None, "spec": ""}
    assert missing.status_code == 404
    assert page.json()["next_cursor"] == "next-1"
    assert backends.inventory.last("ListProducts").page.limit == 5
    assert patched.json()["price"] == 1800
    update = backends.inventory.last("UpdateProduct")
    assert update.HasField("price") and not update.HasField("name")
    assert negative.status_code == 422


async def test_stock_levels_and_receipts(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.stores["S1"] = orders_pb2.Store(store_id="S1", location_id="LOC-S1")
    levels = await client.get(
        "/v1/inventory", params={"sku": "SKU-1", "location_id": "WH-1"}, headers=tokens.staff_s1
    )
    receipt = {"location_id": "LOC-S1", "lines": [{"sku": "SKU-1", "qty": 12}], "reference": "PO-1"}
    own = await client.post("/v1/inventory/receipts", json=receipt, headers=tokens.staff_s1)
    elsewhere = await client.post(
        "/v1/inventory/receipts", json={**receipt, "location_id": "WH-1"}, headers=tokens.staff_s1
    )
    by_customer = await client.get("/v1/inventory", headers=tokens.alice)

    assert levels.status_code == 200
    assert levels.json()["items"] == [
        {
            "sku": "SKU-1",
            "location_id": "WH-1",
            "on_hand": 10,
            "reserved": 3,
            "available": 7,
            "low_stock_threshold": 2,
        }
    ]
    assert own.status_code == 201, own.text
    assert own.json()["levels"][0]["on_hand"] == 12
    sent = backends.inventory.last("ReceiveStock")
    assert (sent.location_id, sent.reference, sent.actor) == ("LOC-S1", "PO-1", "clerk1")
    assert elsewhere.status_code == 403
    assert backends.inventory.count("ReceiveStock") == 1
    assert by_customer.status_code == 403
