"""Inventory operations at the gateway: adjustments, transfers (+ receive), thresholds,
low-stock rows and the ledger; store staff act only at their own store's location."""

from __future__ import annotations

from typing import Any

import httpx

from chainkit.errors import Conflict
from chainstore.orders.v1 import orders_pb2


def own_store(backends: Any) -> None:
    backends.orders.stores["S1"] = orders_pb2.Store(store_id="S1", location_id="LOC-S1")


async def test_adjustments_are_idempotent_by_key_and_scoped(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    own_store(backends)
    body = {"location_id": "LOC-S1", "sku": "SKU-1", "delta": -2, "reason": "damaged"}
    headers = {**tokens.staff_s1, "Idempotency-Key": "k-1"}
    first = await client.post("/v1/inventory/adjustments", json=body, headers=headers)
    again = await client.post("/v1/inventory/adjustments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["level"]["on_hand"] == 8
    assert first.json()["adjustment_id"] == again.json()["adjustment_id"]
    sent = backends.inventory.last("AdjustStock")
    assert (sent.delta, sent.reason, sent.actor) == (-2, "damaged", "clerk1")

    elsewhere = await client.post(
        "/v1/inventory/adjustments", json={**body, "location_id": "WH-1"}, headers=tokens.staff_s1
    )
    assert elsewhere.status_code == 403
    bad = await client.post(
        "/v1/inventory/adjustments", json={**body, "delta": "2"}, headers=tokens.hq
    )
    assert bad.status_code == 422
    backends.inventory.fail_next = Conflict("adjustments never go below reserved")
    refused = await client.post("/v1/inventory/adjustments", json=body, headers=tokens.hq)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    customer = await client.post("/v1/inventory/adjustments", json=body, headers=tokens.alice)
    assert customer.status_code == 403


async def test_transfers_ship_and_receive(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    own_store(backends)
    body = {
        "from_location_id": "WH-1",
        "to_location_id": "LOC-S1",
        "lines": [{"sku": "SKU-1", "qty": 5}],
    }
    created = await client.post("/v1/inventory/transfers", json=body, headers=tokens.hq)
    assert created.status_code == 201, created.text
    transfer = created.json()
    assert transfer["status"] == "in_transit"
    assert transfer["lines"] == [
        {"sku": "SKU-1", "qty_shipped": 5, "qty_received": 0, "in_transit": 5}
    ]
    tid = transfer["transfer_id"]
    staff_ships_elsewhere = await client.post(
        "/v1/inventory/transfers", json=body, headers=tokens.staff_s1
    )
    assert staff_ships_elsewhere.status_code == 403

    received = await client.post(
        f"/v1/inventory/transfers/{tid}/receive",
        json={"lines": [{"sku": "SKU-1", "qty": 5}]},
        headers={**tokens.staff_s1, "Idempotency-Key": "grn-1"},
    )
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "received"
    sent = backends.inventory.last("ReceiveTransfer")
    assert sent.receipt_id and [(x.sku, x.qty) for x in sent.lines] == [("SKU-1", 5)]
    missing = await client.post("/v1/inventory/transfers/NOPE/receive", headers=tokens.hq)
    assert missing.status_code == 404


async def test_thresholds_low_stock_and_movements(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    own_store(backends)
    put = await client.put(
        "/v1/inventory/thresholds",
        json={"location_id": "LOC-S1", "sku": "SKU-1", "low_stock_threshold": 5},
        headers=tokens.staff_s1,
    )
    assert put.status_code == 200, put.text
    assert put.json()["low_stock_threshold"] == 5

    low = await client.get("/v1/inventory/low-stock", headers=tokens.staff_s1)
    assert low.status_code == 200
    [row] = low.json()["items"]
    assert row["location_id"] == "LOC-S1"  # store staff see their own location
    assert row["suggestion"] == {
        "from_location_id": "WH-2",
        "qty": 8,
        "reason": "nearest with surplus: 12.0 km away",
    }
    assert row["in_transit"] == 4
    other = await client.get(
        "/v1/inventory/low-stock", params={"location_id": "WH-1"}, headers=tokens.staff_s1
    )
    assert other.status_code == 403

    page = await client.get(
        "/v1/inventory/movements", params={"sku": "SKU-1", "limit": 2}, headers=tokens.hq
    )
    assert page.status_code == 200
    assert [m["movement_id"] for m in page.json()["items"]] == [3, 2]
    assert page.json()["next_cursor"] == "mv-next"
    sent = backends.inventory.last("ListMovements")
    assert (sent.sku, sent.page.limit) == ("SKU-1", 2)
    last = await client.get(
        "/v1/inventory/movements", params={"cursor": "mv-next"}, headers=tokens.hq
    )
    assert last.json()["next_cursor"] is None
