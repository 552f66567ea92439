"""The till end to end on the real suite: scan a barcode, sell with a WeChat Pay reference,
print the receipt; order numbers and analytics follow the Shanghai business day; the store
and stock lists come in pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLUM_JUICE = "6920000000883"  # DRK-002 in the demo seed
WECHAT_TXN = "4200009876202612050011112222"


def shanghai_days() -> set[str]:
    """Today in Shanghai (both sides when the test straddles midnight)."""
    return {datetime.now(UTC).astimezone(SHANGHAI).strftime("%Y-%m-%d")}


def test_a_till_scans_sells_and_prints_a_receipt(
    s001: httpx.Client, s002: httpx.Client, alice: httpx.Client
) -> None:
    before = shanghai_days()
    scanned = s001.get(f"/v1/products/by-barcode/{PLUM_JUICE}")
    assert scanned.status_code == 200, scanned.text
    product = scanned.json()
    assert (product["sku"], product["spec"]) == ("DRK-002", "1.5L")

    sale = s001.post(
        "/v1/orders",
        json={
            "channel": "pos",
            "customer_id": "walk-in",
            "lines": [{"sku": product["sku"], "qty": 2}],
            "payment": {
                "method": "wechat_pay",
                "amount": 2 * product["price"],
                "reference": WECHAT_TXN,
            },
        },
    )
    assert sale.status_code == 201, sale.text
    order = sale.json()
    days = before | shanghai_days()
    # YYYYMMDD-<store>-<seq>: the Shanghai business day, not the UTC one.
    assert any(order["order_no"].startswith(d.replace("-", "") + "-S001-") for d in days)
    assert order["payment"]["reference"] == WECHAT_TXN and order["time_zone"] == "Asia/Shanghai"

    text = s001.get(f"/v1/orders/{order['order_no']}/receipt", headers={"Accept": "text/plain"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    for expected in ("Nanjing Road", order["order_no"], "Plum juice 1.5L", "25.80", WECHAT_TXN):
        assert expected in text.text, (expected, text.text)
    assert "Asia/Shanghai" in text.text and any(d in text.text for d in days)
    page = s001.get(f"/v1/orders/{order['order_id']}/receipt", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<!doctype html>" in page.text and WECHAT_TXN in page.text
    # The same access rules as the order: another store and a customer do not see it.
    assert s002.get(f"/v1/orders/{order['order_id']}/receipt").status_code == 404
    assert alice.get(f"/v1/orders/{order['order_id']}/receipt").status_code == 404


def test_an_online_order_gets_its_receipt_once_paid(alice: httpx.Client) -> None:
    placed = alice.post(
        "/v1/orders",
        json={
            "store_id": "S001",
            "channel": "online",
            "lines": [{"sku": "SNK-002", "qty": 1}],
            "shipping_address": {
                "name": "王小丽",
                "phone": "13812345678",
                "district_code": "310101",
                "line1": "南京东路 100 号",
            },
        },
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    due_local = datetime.fromisoformat(order["payment_due_local"])
    assert due_local.utcoffset() is not None and due_local.utcoffset().total_seconds() == 8 * 3600
    assert due_local == datetime.fromisoformat(order["payment_due_at"].replace("Z", "+00:00"))
    unpaid = alice.get(f"/v1/orders/{order['order_id']}/receipt")
    assert unpaid.status_code == 409

    days = shanghai_days()
    paid = alice.post(
        f"/v1/orders/{order['order_id']}/pay",
        json={"method": "alipay", "amount": order["total"], "reference": "2026120522001400009"},
    )
    assert paid.status_code == 200, paid.text
    receipt = alice.get(
        f"/v1/orders/{order['order_id']}/receipt", headers={"Accept": "application/json"}
    ).json()
    assert receipt["payment"]["reference"] == "2026120522001400009"
    assert receipt["local_time"][:10] in days | shanghai_days()


def test_stores_and_stock_come_in_pages(hq: httpx.Client) -> None:
    def walk(path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
        items, cursor, pages = [], None, 0
        while True:
            r = hq.get(path, params={**params, "limit": 2} | ({"cursor": cursor} if cursor else {}))
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            pages += 1
            cursor = r.json()["next_cursor"]
            if cursor is None:
                return items, pages

    stores, pages = walk("/v1/stores")
    assert [s["store_id"] for s in stores] == ["S001", "S002", "S003"] and pages == 2
    levels, _ = walk("/v1/inventory", location_id="WH-EAST")
    everything = hq.get("/v1/inventory", params={"location_id": "WH-EAST", "limit": 200}).json()
    assert [(x["location_id"], x["sku"]) for x in levels] == [
        (x["location_id"], x["sku"]) for x in everything["items"]
    ]
    assert len(levels) == 12 and everything["next_cursor"] is None


def test_head_office_today_is_the_shanghai_day(hq: httpx.Client) -> None:
    before = shanghai_days()
    summary = hq.get("/v1/analytics/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["day"] in before | shanghai_days()
