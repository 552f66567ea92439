"""Carrier choice end to end: the store's preference and service level travel from its
settings through orders to logistics, which records the choice and why."""

from __future__ import annotations

from typing import Any

import httpx

EAST = {
    "name": "Alice Wang",
    "phone": "13800000000",
    "region": "east",
    "city": "Hangzhou",
    "line1": "1 Lake Rd",
}
NORTH = {**EAST, "region": "north", "city": "Beijing", "line1": "2 Chang'an Ave"}
# S003 (franchise, east): no other end-to-end test ships its orders, so its settings are ours.
STORE = "S003"


def paid_order(alice: httpx.Client, hq: httpx.Client, address: dict[str, str]) -> str:
    body = {
        "store_id": STORE,
        "customer_id": "C-ALICE",
        "channel": "online",
        "lines": [{"sku": "TEA-001", "qty": 1}],  # 300 g
        "shipping_address": address,
    }
    created = alice.post("/v1/orders", json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    paid = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "card", "amount": order["total"]}
    )
    assert paid.status_code == 200, paid.text
    assert hq.post(f"/v1/orders/{order['order_id']}/confirm").status_code == 200
    return str(order["order_id"])


def shipments_of(hq: httpx.Client, order_id: str) -> list[dict[str, Any]]:
    r = hq.get("/v1/shipments", params={"store_id": STORE, "limit": 200})
    assert r.status_code == 200, r.text
    return [s for s in r.json()["items"] if s["order_id"] == order_id]


def test_the_stores_preferred_carrier_ships_and_the_reason_is_recorded(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    patched = hq.patch(f"/v1/stores/{STORE}", json={"preferred_carrier": "zto"})
    assert patched.status_code == 200, patched.text
    store = hq.get(f"/v1/stores/{STORE}").json()
    assert (store["preferred_carrier"], store["service_level"]) == ("zto", "standard")

    order_id = paid_order(alice, hq, EAST)
    shipped = hq.post(f"/v1/orders/{order_id}/ship")  # no override: rules + preference
    assert shipped.status_code == 200, shipped.text
    assert [s["carrier"] for s in shipped.json()["shipments"]] == ["zto"]

    tracking = alice.get(f"/v1/orders/{order_id}/tracking").json()["shipments"]
    assert tracking and all(s["carrier"] == "zto" and s["waybill_no"] for s in tracking)
    [shipment] = shipments_of(hq, order_id)
    # sf is cheaper for 300 g, but zto serves the parcel within "standard": it wins.
    assert shipment["carrier_reason"].startswith("store preference: zto")
    assert "sf" in shipment["carrier_reason"]
    assert shipment["service_level"] == "standard"


def test_staff_override_is_checked_and_a_faster_level_outranks_the_preference(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    assert hq.patch(f"/v1/stores/{STORE}", json={"preferred_carrier": "zto"}).status_code == 200
    order_id = paid_order(alice, hq, NORTH)

    refused = hq.post(f"/v1/orders/{order_id}/ship", json={"carrier": "yto"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "yto does not serve region 华北" in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == ["carrier"]
    assert alice.get(f"/v1/orders/{order_id}").json()["status"] == "paid"

    # zto promises 3 days: it cannot meet express, so the cheapest carrier that can wins.
    shipped = hq.post(f"/v1/orders/{order_id}/ship", json={"service_level": "express"})
    assert shipped.status_code == 200, shipped.text
    [shipment] = shipments_of(hq, order_id)
    assert shipment["carrier"] == "sf" and shipment["service_level"] == "express"
    assert "store preference zto cannot serve" in shipment["carrier_reason"]
