"""The walking skeleton end to end: every process real, driven over HTTP like a client."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

ADDRESS = {
    "name": "Alice Wang",
    "phone": "13800000000",
    "region": "east",
    "city": "Shanghai",
    "line1": "1 Century Ave",
}


def online_order(sku: str, qty: int, store_id: str = "S001") -> dict[str, Any]:
    return {
        "store_id": store_id,
        "customer_id": "C-ALICE",
        "channel": "online",
        "lines": [{"sku": sku, "qty": qty}],
        "shipping_address": ADDRESS,
    }


def stock(client: httpx.Client, sku: str) -> dict[str, dict[str, int]]:
    r = client.get("/v1/inventory", params={"sku": sku})
    assert r.status_code == 200, r.text
    return {row["location_id"]: row for row in r.json()["items"]}


def total_reserved(client: httpx.Client, sku: str) -> int:
    return sum(row["reserved"] for row in stock(client, sku).values())


def wait_for_status(
    client: httpx.Client, order_id: str, status: str, within_s: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while True:
        order = client.get(f"/v1/orders/{order_id}").json()
        if order["status"] == status or time.monotonic() > deadline:
            assert order["status"] == status, order
            return order
        time.sleep(0.3)


def test_health_and_readiness(stack: Any) -> None:
    assert httpx.get(f"{stack.gateway_url}/healthz").status_code == 200
    ready = httpx.get(f"{stack.gateway_url}/readyz")
    assert ready.status_code == 200, ready.text


def test_online_order_is_reserved_paid_shipped_and_completed_by_the_carrier(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    before = stock(hq, "TEA-001")
    key = str(uuid.uuid4())
    body = online_order("TEA-001", 2)
    created = alice.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "pending_payment"
    assert order["order_no"] and order["payment_due_at"]
    assert order["total"] == 2 * 12800 and order["currency"] == "CNY"
    assert sum(a["qty"] for a in order["allocations"]) == 2

    replay = alice.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.json()["order_id"] == order["order_id"]
    changed = alice.post(
        "/v1/orders", json=online_order("TEA-001", 3), headers={"Idempotency-Key": key}
    )
    assert changed.status_code == 422
    assert total_reserved(hq, "TEA-001") == sum(r["reserved"] for r in before.values()) + 2

    wrong = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "alipay", "amount": 1}
    )
    assert wrong.status_code in (409, 422)
    assert wrong.headers["content-type"].startswith("application/problem+json")
    paid = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "alipay", "amount": order["total"]}
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    after = stock(hq, "TEA-001")
    assert (
        sum(r["on_hand"] for r in after.values()) == sum(r["on_hand"] for r in before.values()) - 2
    )

    unreviewed = hq.post(f"/v1/orders/{order['order_id']}/ship", json={"carrier": "zto"})
    assert unreviewed.status_code == 409 and "confirmed" in unreviewed.json()["detail"]
    confirmed = hq.post(f"/v1/orders/{order['order_id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    shipped = hq.post(f"/v1/orders/{order['order_id']}/ship", json={"carrier": "zto"})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    tracking = alice.get(f"/v1/orders/{order['order_id']}/tracking").json()["shipments"]
    assert tracking and all(s["waybill_no"] and s["carrier"] == "zto" for s in tracking)

    done = wait_for_status(alice, order["order_id"], "completed")
    assert done["completed_at"]
    steps = [(e["action"], e["status"]) for e in done["timeline"]]
    assert steps[:4] == [
        ("created", "pending_payment"),
        ("paid", "paid"),
        ("confirmed", "paid"),
        ("shipped", "shipped"),
    ]
    assert steps[-1] == ("completed", "completed") and ("delivered", "shipped") in steps
    assert done["timeline"][2]["actor"] == "hq"
    public = httpx.get(f"{alice.base_url}/v1/tracking/{tracking[0]['waybill_no']}").json()
    assert public["status"] == "delivered"
    statuses = [e["status"] for e in public["events"]]
    assert statuses[-1] == "delivered" and "picked_up" in statuses
    assert "Alice" not in str(public) and "13800000000" not in str(public)


def test_pushing_carrier_delivers_through_the_signed_webhook(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    order = alice.post("/v1/orders", json=online_order("SNK-001", 1)).json()
    alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "card", "amount": order["total"]}
    )
    hq.post(f"/v1/orders/{order['order_id']}/confirm")
    shipped = hq.post(f"/v1/orders/{order['order_id']}/ship", json={"carrier": "sf"})
    assert shipped.status_code == 200, shipped.text
    wait_for_status(alice, order["order_id"], "completed")
    forged = httpx.post(
        f"{alice.base_url}/v1/carriers/sf/events",
        content=b'{"events": []}',
        headers={"X-Chainstore-Signature": "sha256=" + "0" * 64},
    )
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")


def test_not_enough_stock_is_refused_with_availability_and_holds_nothing(
    hq: httpx.Client, alice: httpx.Client
) -> None:
    reserved = total_reserved(hq, "ELC-002")
    r = alice.post("/v1/orders", json=online_order("ELC-002", 9_999))
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["available"] == [
        {"sku": "ELC-002", "available": problem["available"][0]["available"]}
    ]
    assert problem["available"][0]["available"] > 0
    assert total_reserved(hq, "ELC-002") == reserved


def test_cancel_releases_the_reservation(hq: httpx.Client, alice: httpx.Client) -> None:
    reserved = total_reserved(hq, "RICE-001")
    order = alice.post("/v1/orders", json=online_order("RICE-001", 3)).json()
    assert total_reserved(hq, "RICE-001") == reserved + 3
    cancelled = alice.post(
        f"/v1/orders/{order['order_id']}/cancel", json={"reason": "changed mind"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "changed mind"
    assert total_reserved(hq, "RICE-001") == reserved
    again = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "card", "amount": order["total"]}
    )
    assert again.status_code == 409 and "it is cancelled" in again.json()["detail"]
    timeline = alice.get(f"/v1/orders/{order['order_id']}").json()["timeline"]
    assert timeline[-1]["status"] == "cancelled" and timeline[-1]["reason"] == "changed mind"


def test_pos_sale_completes_at_once_from_the_store_stock(
    hq: httpx.Client, s001: httpx.Client
) -> None:
    before = stock(hq, "DRK-002")["LOC-S001"]["on_hand"]
    body = {
        "store_id": "S001",
        "customer_id": "walk-in",
        "channel": "pos",
        "lines": [{"sku": "DRK-002", "qty": 2}],
        "payment": {"method": "cash", "amount": 2 * 1290},
    }
    key = str(uuid.uuid4())
    sale = s001.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert sale.status_code == 201, sale.text
    assert sale.json()["status"] == "completed"
    retry = s001.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert retry.json()["order_id"] == sale.json()["order_id"]
    assert stock(hq, "DRK-002")["LOC-S001"]["on_hand"] == before - 2


def test_scoping_hides_other_customers_and_stores(
    alice: httpx.Client, bob: httpx.Client, s002: httpx.Client, api: Any
) -> None:
    order = alice.post("/v1/orders", json=online_order("SNK-002", 1)).json()
    assert bob.get(f"/v1/orders/{order['order_id']}").status_code == 404
    assert bob.get(f"/v1/orders/{order['order_no']}").status_code == 404
    assert s002.get(f"/v1/orders/{order['order_id']}").status_code == 404
    assert alice.get(f"/v1/orders/{order['order_no']}").json()["order_id"] == order["order_id"]
    assert httpx.get(f"{api.base_url}/v1/orders").status_code == 401
    assert bob.post("/v1/products", json={"sku": "X"}).status_code == 403


def test_bad_input_is_a_problem_not_a_crash(alice: httpx.Client) -> None:
    bad = alice.post(
        "/v1/orders", json={**online_order("TEA-001", 1), "lines": [{"sku": "TEA-001", "qty": 0}]}
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert any("qty" in e["field"] for e in problem["errors"])
    unknown = alice.post("/v1/orders", json=online_order("NOPE-999", 1))
    assert unknown.status_code in (404, 422), unknown.text
    assert alice.get("/v1/orders/does-not-exist").status_code == 404


def test_my_orders_newest_first_with_filters_and_cursor(alice: httpx.Client) -> None:
    made = [alice.post("/v1/orders", json=online_order("HOM-001", 1)).json() for _ in range(3)]
    page = alice.get("/v1/orders", params={"limit": 2, "status": "pending_payment"}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert [o["order_id"] for o in page["items"]] == [made[2]["order_id"], made[1]["order_id"]]
    rest = alice.get(
        "/v1/orders",
        params={"limit": 2, "status": "pending_payment", "cursor": page["next_cursor"]},
    ).json()
    assert rest["items"][0]["order_id"] == made[0]["order_id"]
    found = alice.get("/v1/orders", params={"q": made[1]["order_no"]}).json()["items"]
    assert [o["order_id"] for o in found] == [made[1]["order_id"]]
    assert all(o["customer_id"] == "C-ALICE" for o in rest["items"])
