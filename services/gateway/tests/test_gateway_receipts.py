"""Receipts (小票) through the gateway: text, printable HTML and JSON by Accept; the same
access rules as the order; payment references; deadlines in the business time zone."""

from __future__ import annotations

from typing import Any

import httpx

from chainstore.orders.v1 import orders_pb2
from gateway.receipts.negotiate import choose
from gateway.receipts.text import WIDTH, columns

PROBLEM = "application/problem+json"
REF = "4200001234202612050012345678"


def paid(backends: Any, store_id: str = "S1", customer_id: str = "C-ALICE") -> Any:
    order = backends.orders.seed(store_id, customer_id, status=orders_pb2.ORDER_STATUS_PAID)
    order.payment.CopyFrom(orders_pb2.Payment(method="wechat_pay", amount=3000, reference=REF))
    order.lines[0].spec = "250g"
    return order


def test_accept_picks_the_representation() -> None:
    assert choose(None) == "text/plain"
    assert choose("*/*") == "text/plain"  # curl
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert choose(browser) == "text/html"
    assert choose("application/json") == "application/json"
    assert choose("text/*;q=0.5, application/json") == "application/json"
    assert choose("text/html;q=0, text/*") == "text/plain"
    assert choose("image/png") is None
    assert choose("text/plain;q=0") is None


async def test_a_till_prints_the_receipt_as_text(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = paid(backends)
    r = await client.get(
        f"/v1/orders/{order.order_no}/receipt",
        headers={**tokens.staff_s1, "Accept": "text/plain"},
    )

    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    for expected in (
        "南京路店 Nanjing Road",
        order.order_no,
        "2026-12-05 00:30:12",
        "Asia/Shanghai",
        "Tea 250g",  # the spec (规格) beside the name
        "2 x 15.00",
        "30.00",
        "微信支付 WeChat Pay",
        REF,
    ):
        assert expected in text, expected
    # Fits the printer: no line wider than the paper, CJK counted as two columns.
    assert max(columns(line) for line in text.splitlines()) <= WIDTH
    sent = backends.orders.last("GetReceipt")
    assert sent.order_ref == order.order_no and sent.scope.store_id == "S1"


async def test_a_customer_gets_a_printable_page_and_json(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = paid(backends)
    page = await client.get(
        f"/v1/orders/{order.order_id}/receipt",
        headers={**tokens.alice, "Accept": "text/html,*/*;q=0.8"},
    )
    data = await client.get(
        f"/v1/orders/{order.order_id}/receipt",
        headers={**tokens.alice, "Accept": "application/json"},
    )

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in page.text and "@media print" in page.text
    assert order.order_no in page.text and REF in page.text
    assert 'Tea <span class="spec">250g</span>' in page.text
    assert "<script" not in page.text and "http" not in page.text  # self-contained
    body = data.json()
    assert data.headers["content-type"] == "application/json"
    assert body["order_no"] == order.order_no and body["local_time"] == "2026-12-05 00:30:12"
    assert body["payment"] == {"method": "wechat_pay", "amount": 3000, "reference": REF}
    assert body["units"] == 2 and body["total"] == 3000
    assert [(x["name"], x["spec"]) for x in body["lines"]] == [("Tea", "250g")]


async def test_receipts_follow_the_orders_access_rules(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    theirs = paid(backends, "S2", "C-BOB")
    unpaid = backends.orders.seed("S1", "C-ALICE")
    mine = paid(backends)

    hidden = await client.get(f"/v1/orders/{theirs.order_id}/receipt", headers=tokens.alice)
    other_store = await client.get(f"/v1/orders/{theirs.order_id}/receipt", headers=tokens.staff_s1)
    not_paid = await client.get(f"/v1/orders/{unpaid.order_id}/receipt", headers=tokens.alice)
    anonymous = await client.get(f"/v1/orders/{mine.order_id}/receipt")
    refused = await client.get(
        f"/v1/orders/{mine.order_id}/receipt", headers={**tokens.alice, "Accept": "image/png"}
    )

    assert hidden.status_code == 404 and other_store.status_code == 404
    assert hidden.headers["content-type"] == PROBLEM
    assert not_paid.status_code == 409 and "unpaid" in not_paid.json()["detail"]
    assert anonymous.status_code == 401
    assert refused.status_code == 406 and refused.headers["content-type"] == PROBLEM


async def test_a_payment_carries_its_reference_and_the_deadline_shows_in_shanghai_time(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", time_zone="Asia/Shanghai")
    shown = await client.get(f"/v1/orders/{order.order_id}", headers=tokens.alice)
    r = await client.post(
        f"/v1/orders/{order.order_id}/pay",
        json={"method": "alipay", "amount": 3000, "reference": "2026120522001400001"},
        headers=tokens.alice,
    )
    bad = await client.post(
        f"/v1/orders/{order.order_id}/pay",
        json={"method": "alipay", "amount": 3000, "reference": "no spaces allowed"},
        headers=tokens.alice,
    )

    # payment_due_at 08:30 + 30 min UTC is 17:00 in Shanghai.
    assert shown.json()["payment_due_at"] == "2025-03-01T09:00:00Z"
    assert shown.json()["payment_due_local"] == "2025-03-01T17:00:00+08:00"
    assert shown.json()["time_zone"] == "Asia/Shanghai"
    assert r.status_code == 200, r.text
    assert backends.orders.last("PayOrder").payment.reference == "2026120522001400001"
    assert r.json()["payment"]["reference"] == "2026120522001400001"
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["reference"]
