"""Carrier webhook forwarding, public waybill tracking, carriers and shipments."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def test_webhook_forwards_raw_body_and_signature(
    client: httpx.AsyncClient, backends: Any
) -> None:
    # Deliberately odd spacing: the gateway must forward the bytes, not re-serialised JSON.
    body = b'{"waybill_no": "SW123",  "code": "PU"}'

    r = await client.post(
        "/v1/carriers/swift/events",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Chainstore-Signature": backends.logistics.sign(body),
        },
    )

    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 1, "duplicates": 0}
    sent = backends.logistics.last("IngestCarrierPush")
    assert sent.carrier == "swift"
    assert sent.body == body
    assert sent.signature == backends.logistics.sign(body)


async def test_webhook_with_bad_or_missing_signature_is_401(
    client: httpx.AsyncClient, backends: Any
) -> None:
    body = json.dumps({"waybill_no": "SW123"}).encode()

    bad = await client.post(
        "/v1/carriers/swift/events",
        content=body,
        headers={"X-Chainstore-Signature": "sha256=" + "0" * 64},
    )
    missing = await client.post("/v1/carriers/swift/events", content=body)

    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["detail"] == "bad signature"
    assert missing.status_code == 401
    assert backends.logistics.count("IngestCarrierPush") == 1  # the missing one never left


async def test_waybill_tracking_is_public_and_carries_no_personal_data(
    client: httpx.AsyncClient, backends: Any
) -> None:
    r = await client.get("/v1/tracking/SW123")
    missing = await client.get("/v1/tracking/NOPE")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["waybill_no"] == "SW123" and body["carrier"] == "swift"
    assert body["status"] == "in_transit" and body["stalled"] is False
    assert body["last_update_at"] == "2025-03-01T08:30:00Z"
    assert body["events"][0]["status"] == "picked_up"
    assert not {"order_id", "store_id", "shipment_id", "customer_id"} & set(body)
    assert missing.status_code == 404


async def test_carriers_need_a_token(client: httpx.AsyncClient, tokens: Any) -> None:
    anonymous = await client.get("/v1/carriers")
    r = await client.get("/v1/carriers", headers=tokens.alice)

    assert anonymous.status_code == 401
    assert r.status_code == 200
    assert r.json() == {
        "items": [
            {
                "code": "swift",
                "name": "Swift Express",
                "regions": ["east"],
                "max_weight_g": 30000,
                "update_mode": "push",
                "weight_bands": [{"up_to_g": 30000, "price": 1200}],
                "days_same_region": 1,
                "days_other_region": 2,
                "service_levels": ["express", "standard", "economy"],
                "excluded_provinces": [],
            }
        ],
        "next_cursor": None,
    }


async def test_shipments_for_hq_and_own_store_only(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    hq = await client.get(
        "/v1/shipments", params={"status": "in_transit", "stalled": "true"}, headers=tokens.hq
    )
    sent = backends.logistics.last("ListShipments")
    staff = await client.get("/v1/shipments", headers=tokens.staff_s1)
    staff_sent = backends.logistics.last("ListShipments")
    other_store = await client.get(
        "/v1/shipments", params={"store_id": "S2"}, headers=tokens.staff_s1
    )
    customer = await client.get("/v1/shipments", headers=tokens.alice)
    bad_status = await client.get("/v1/shipments", params={"status": "lost"}, headers=tokens.hq)

    assert hq.status_code == 200
    assert (sent.status, sent.stalled_only, sent.store_id) == ("in_transit", True, "")
    assert hq.json()["items"][0]["order_id"] == "o-1"
    assert staff.status_code == 200 and staff_sent.store_id == "S1"
    assert other_store.json() == {"items": [], "next_cursor": None}
    assert customer.status_code == 403
    assert bad_status.status_code == 422


async def test_oversized_webhook_body_is_413(client: httpx.AsyncClient, backends: Any) -> None:
    body = b"x" * (1_048_576 + 1)

    r = await client.post(
        "/v1/carriers/swift/events",
        content=body,
        headers={"X-Chainstore-Signature": backends.logistics.sign(body)},
    )

    assert r.status_code == 413
    assert backends.logistics.count("IngestCarrierPush") == 0


async def test_shipments_carry_the_carrier_choice_and_its_reason(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    r = await client.get("/v1/shipments", headers=tokens.hq)

    item = r.json()["items"][0]
    assert item["carrier_reason"].startswith("cheapest meeting standard")
    assert (item["service_level"], item["price"], item["currency"]) == ("standard", 800, "CNY")
    assert item["weight_g"] == 800 and item["cancelled_at"] is None
    assert item["stalled_since"] is None


async def test_cancel_shipment_for_hq_and_own_store_only(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    hq = await client.post(
        "/v1/shipments/sh-1/cancel", json={"reason": "customer cancelled"}, headers=tokens.hq
    )
    hq_sent = backends.logistics.last("CancelShipment")
    staff = await client.post("/v1/shipments/sh-1/cancel", headers=tokens.staff_s1)
    staff_sent = backends.logistics.last("CancelShipment")
    too_late = await client.post(
        "/v1/shipments/sh-1/cancel", json={"reason": "too late"}, headers=tokens.hq
    )
    missing = await client.post("/v1/shipments/nope/cancel", headers=tokens.hq)
    customer = await client.post("/v1/shipments/sh-1/cancel", headers=tokens.alice)

    assert hq.status_code == 200, hq.text
    assert hq.json()["cancelled_at"] == "2025-03-01T08:30:00Z"
    assert hq.json()["cancel_reason"] == "customer cancelled"
    assert (hq_sent.shipment_id, hq_sent.store_id) == ("sh-1", "")
    assert staff.status_code == 200 and staff_sent.store_id == "S1"
    assert too_late.status_code == 409
    assert too_late.headers["content-type"] == "application/problem+json"
    assert missing.status_code == 404
    assert customer.status_code == 403
