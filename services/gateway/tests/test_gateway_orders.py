"""Orders through the gateway: scoping, roles, idempotency, order JSON, error mapping."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from chainkit.errors import Conflict, FieldError, InvalidArgument
from chainstore.common.v1 import common_pb2
from chainstore.inventory.v1 import inventory_pb2
from chainstore.orders.v1 import orders_pb2

PROBLEM = "application/problem+json"
ADDRESS = {
    "name": "Li Lei",
    "phone": "13800000000",
    "region": "east",
    "city": "Shanghai",
    "line1": "1 Nanjing Road",
}


def online_order(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "store_id": "S1",
        "channel": "online",
        "lines": [{"sku": "SKU-1", "qty": 2}],
        "shipping_address": ADDRESS,
    }
    body.update(overrides)
    return body


async def test_customer_places_online_order_for_themselves(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    r = await client.post("/v1/orders", json=online_order(), headers=tokens.alice)

    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "pending_payment"
    assert order["channel"] == "online"
    assert order["customer_id"] == "C-ALICE"
    assert order["total"] == 3000 and order["currency"] == "CNY"
    assert order["lines"] == [
        {
            "sku": "SKU-1",
            "name": "Tea",
            "spec": "",
            "category": "food",
            "qty": 2,
            "unit_price": 1500,
            "amount": 3000,
        }
    ]
    assert order["allocations"] == [
        {"location_id": "WH-1", "sku": "SKU-1", "qty": 2, "reason": "same region east, priority 1"}
    ]
    assert order["created_at"] == "2025-03-01T08:30:00Z"
    assert order["payment_due_at"] == "2025-03-01T09:00:00Z"
    assert order["paid_at"] is None and order["cancel_reason"] is None
    assert order["shipping_address"]["city"] == "Shanghai"
    sent = backends.orders.last("CreateOrder")
    assert sent.customer_id == "C-ALICE"  # forced from the token
    assert sent.store_id == "S1"
    assert sent.channel == orders_pb2.CHANNEL_ONLINE
    assert sent.scope == orders_pb2.Scope(customer_id="C-ALICE", actor="alice")
    assert [(line.sku, line.qty) for line in sent.lines] == [("SKU-1", 2)]
    assert sent.shipping_address.line1 == "1 Nanjing Road"


async def test_customer_may_not_order_for_someone_else_or_at_the_till(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    other = await client.post(
        "/v1/orders", json=online_order(customer_id="C-BOB"), headers=tokens.alice
    )
    pos = await client.post(
        "/v1/orders",
        json=online_order(channel="pos", payment={"method": "cash", "amount": 3000}),
        headers=tokens.alice,
    )

    assert other.status_code == 403
    assert pos.status_code == 403
    assert other.headers["content-type"] == PROBLEM
    assert backends.orders.count("CreateOrder") == 0


async def test_store_staff_sell_for_their_own_store_only(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    pos = {
        "channel": "pos",
        "lines": [{"sku": "SKU-1", "qty": 1}],
        "payment": {"method": "wechat_pay", "amount": 1500, "reference": "4200001234"},
    }
    own = await client.post("/v1/orders", json=pos, headers=tokens.staff_s1)
    foreign = await client.post(
        "/v1/orders", json={**pos, "store_id": "S2"}, headers=tokens.staff_s1
    )

    assert own.status_code == 201, own.text
    assert own.json()["status"] == "completed"
    assert own.json()["payment"] == {
        "method": "wechat_pay",
        "amount": 1500,
        "reference": "4200001234",
    }
    sent = backends.orders.last("CreateOrder")
    assert sent.store_id == "S1" and sent.channel == orders_pb2.CHANNEL_POS
    assert (sent.payment.method, sent.payment.reference) == ("wechat_pay", "4200001234")
    assert foreign.status_code == 403


async def test_idempotency_key_is_forwarded_and_a_replay_answers_the_same(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    headers = {**tokens.alice, "Idempotency-Key": "order-attempt-1"}
    first = await client.post("/v1/orders", json=online_order(), headers=headers)
    again = await client.post("/v1/orders", json=online_order(), headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert backends.orders.last("CreateOrder").idempotency.key == "order-attempt-1"
    assert len(backends.orders.orders) == 1


async def test_pay_forwards_payment_scope_and_idempotency_key(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    r = await client.post(
        f"/v1/orders/{order.order_no}/pay",
        json={"method": "alipay", "amount": 3000},
        headers={**tokens.alice, "Idempotency-Key": "pay-1"},
    )

    assert r.status_code == 200, r.text
    assert r.json()["status"] == "paid"
    assert r.json()["paid_at"] == "2025-03-01T08:35:00Z"
    sent = backends.orders.last("PayOrder")
    assert sent.order_ref == order.order_no
    assert sent.idempotency.key == "pay-1"
    assert sent.payment == orders_pb2.Payment(method="alipay", amount=3000)
    assert sent.scope.customer_id == "C-ALICE"


async def test_other_customers_order_is_404_and_the_scope_was_sent(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    bobs = backends.orders.seed("S1", "C-BOB")

    r = await client.get(f"/v1/orders/{bobs.order_id}", headers=tokens.alice)
    cancel = await client.post(f"/v1/orders/{bobs.order_id}/cancel", headers=tokens.alice)

    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == 404 and r.json()["title"] == "Not Found"
    assert backends.orders.last("GetOrder").scope == orders_pb2.Scope(
        customer_id="C-ALICE", actor="alice"
    )
    assert cancel.status_code == 404


async def test_other_stores_order_is_404_for_staff_and_visible_to_hq(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S2", "C-BOB")

    staff = await client.get(f"/v1/orders/{order.order_id}", headers=tokens.staff_s1)
    hq = await client.get(f"/v1/orders/{order.order_id}", headers=tokens.hq)

    assert staff.status_code == 404
    assert hq.status_code == 200
    assert hq.json()["order_id"] == order.order_id
    assert backends.orders.last("GetOrder").scope == orders_pb2.Scope(actor="hq")


async def test_customers_may_not_confirm_or_ship(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_PAID)

    confirm = await client.post(f"/v1/orders/{order.order_id}/confirm", headers=tokens.alice)
    ship = await client.post(f"/v1/orders/{order.order_id}/ship", headers=tokens.alice)
    staff = await client.post(
        f"/v1/orders/{order.order_id}/ship", json={"carrier": "swift"}, headers=tokens.staff_s1
    )

    assert confirm.status_code == ship.status_code == 403
    assert staff.status_code == 200 and staff.json()["status"] == "shipped"
    assert backends.orders.last("ShipOrder").carrier == "swift"
    assert backends.orders.count("ConfirmOrder") == 0


async def test_ship_forwards_the_service_level_staff_ask_for(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    paid = orders_pb2.ORDER_STATUS_PAID
    first = backends.orders.seed("S1", "C-ALICE", status=paid)
    second = backends.orders.seed("S1", "C-ALICE", status=paid)

    bad = await client.post(
        f"/v1/orders/{first.order_id}/ship", json={"service_level": "rocket"}, headers=tokens.hq
    )
    express = await client.post(
        f"/v1/orders/{first.order_id}/ship", json={"service_level": "express"}, headers=tokens.hq
    )
    sent = backends.orders.last("ShipOrder")
    plain = await client.post(f"/v1/orders/{second.order_id}/ship", headers=tokens.hq)

    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["service_level"]
    assert express.status_code == 200, express.text
    assert (sent.service_level, sent.carrier) == ("express", "")
    assert plain.status_code == 200
    # Nothing asked: orders applies the store's level and preferred carrier.
    assert backends.orders.last("ShipOrder").service_level == ""
    assert backends.orders.count("ShipOrder") == 2


async def test_list_orders_forwards_filters_and_pages(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.seed("S1", "C-ALICE")
    backends.orders.seed("S1", "C-BOB")

    r = await client.get(
        "/v1/orders",
        params={
            "status": "pending_payment",
            "q": "Tea",
            "created_from": "2025-03-01T00:00:00Z",
            "limit": 50,
            "cursor": "abc",
        },
        headers=tokens.alice,
    )

    assert r.status_code == 200, r.text
    page = r.json()
    assert [o["customer_id"] for o in page["items"]] == ["C-ALICE"]
    assert page["next_cursor"] is None
    sent = backends.orders.last("ListOrders")
    assert sent.scope.customer_id == "C-ALICE"
    assert (sent.status, sent.q, sent.page.limit, sent.page.cursor) == (
        "pending_payment",
        "Tea",
        50,
        "abc",
    )
    assert sent.created_from.seconds == 1740787200
    assert not sent.HasField("created_to")


async def test_list_orders_limit_is_bounded(client: httpx.AsyncClient, tokens: Any) -> None:
    r = await client.get("/v1/orders", params={"limit": 201}, headers=tokens.hq)

    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "limit"


async def test_invalid_orders_are_422_with_field_errors(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    cases = [
        (online_order(lines=[{"sku": "SKU-1", "qty": 0}]), "lines[0].qty"),
        (online_order(lines=[{"sku": "SKU-1", "qty": "2"}]), "lines[0].qty"),
        (online_order(lines=[{"sku": "SKU-1", "qty": 1.5}]), "lines[0].qty"),
        (online_order(lines=[]), "lines"),
        (online_order(channel="mail"), "channel"),
        (online_order(shipping_address=None), "shipping_address"),
        (online_order(shipping_address={**ADDRESS, "city": ""}), "shipping_address.city"),
        (
            {"store_id": "S1", "channel": "pos", "lines": [{"sku": "A", "qty": 1}]},
            "payment",
        ),
    ]
    for body, field in cases:
        r = await client.post("/v1/orders", json=body, headers=tokens.hq)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == PROBLEM
        problem = r.json()
        assert problem["status"] == 422 and problem["type"].endswith("validation-error")
        assert field in [e["field"] for e in problem["errors"]], (field, problem)
        assert "Traceback" not in r.text
    assert backends.orders.count("CreateOrder") == 0


async def test_insufficient_stock_is_409_with_available_per_sku(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.fail_next = Conflict(
        "not enough stock for SKU-1",
        details=inventory_pb2.InsufficientStock(available=[common_pb2.SkuQty(sku="SKU-1", qty=1)]),
    )

    r = await client.post("/v1/orders", json=online_order(), headers=tokens.alice)

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["available"] == [{"sku": "SKU-1", "available": 1}]
    assert problem["type"].endswith("insufficient-stock")
    assert problem["detail"] == "not enough stock for SKU-1"


async def test_backend_invalid_argument_is_422_with_its_field_violations(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.fail_next = InvalidArgument(
        "unknown product", [FieldError("lines[0].sku", "no product 'NOPE'")]
    )

    r = await client.post(
        "/v1/orders", json=online_order(lines=[{"sku": "NOPE", "qty": 1}]), headers=tokens.alice
    )

    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "lines[0].sku", "message": "no product 'NOPE'"}]


async def test_wrong_status_transition_is_409(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    backends.orders.fail_next = Conflict("order is pending_payment, not shipped")

    r = await client.post(f"/v1/orders/{order.order_id}/receive", headers=tokens.alice)

    assert r.status_code == 409
    assert r.json()["detail"] == "order is pending_payment, not shipped"


async def test_order_tracking_checks_access_then_lists_shipments(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_SHIPPED)
    bobs = backends.orders.seed("S1", "C-BOB", status=orders_pb2.ORDER_STATUS_SHIPPED)

    r = await client.get(f"/v1/orders/{order.order_no}/tracking", headers=tokens.alice)
    foreign = await client.get(f"/v1/orders/{bobs.order_id}/tracking", headers=tokens.alice)

    assert r.status_code == 200, r.text
    [shipment] = r.json()["shipments"]
    assert shipment["waybill_no"] == "SW123" and shipment["status"] == "in_transit"
    assert shipment["events"][0] == {
        "at": "2025-03-01T08:30:00Z",
        "status": "picked_up",
        "location": "Shanghai",
        "description": "picked up",
    }
    assert backends.logistics.last("ListShipments").order_id == order.order_id
    assert foreign.status_code == 404
    assert backends.logistics.count("ListShipments") == 1


async def test_placements_at_the_same_moment_share_a_call_and_are_answered_each_on_its_own(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.fail_next = Conflict(
        "not enough stock for SKU-1",
        details=inventory_pb2.InsufficientStock(available=[common_pb2.SkuQty(sku="SKU-1", qty=0)]),
    )
    answers = await asyncio.gather(
        *(client.post("/v1/orders", json=online_order(), headers=tokens.alice) for _ in range(8))
    )
    assert sorted(r.status_code for r in answers) == [201] * 7 + [409]
    refused = next(r for r in answers if r.status_code == 409)
    assert refused.json()["available"] == [{"sku": "SKU-1", "available": 0}]
    assert backends.orders.count("CreateOrder") == 8
    assert 0 < backends.orders.count("CreateOrders") < 8  # shared calls
    assert len({r.json()["order_id"] for r in answers if r.status_code == 201}) == 7
