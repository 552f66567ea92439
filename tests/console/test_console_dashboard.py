"""Head office's dashboard in the browser: cards and charts drawn with data, the live feed
without a reload, a one-click transfer from the low-stock board, the language switch."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SignIn = Callable[[Page, str], None]
Shot = Callable[[Page, str], Path]
ADDRESS = {
    "name": "李雷",
    "phone": "13900001111",
    "region": "north",
    "city": "北京",
    "line1": "朝阳区建国路88号",
}

# Every chart of the sales fragment, with how many data points its first series has.
CHART_DATA = """() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const chart = window.echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  return [el.dataset.chartName, series.length ? series[0].data.length : -1];
})"""


def paid_order(alice: httpx.Client, sku: str = "TEA-001", qty: int = 1) -> dict[str, Any]:
    body = {
        "store_id": "S002",
        "channel": "online",
        "lines": [{"sku": sku, "qty": qty}],
        "shipping_address": ADDRESS,
    }
    r = alice.post("/v1/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    r = alice.post(
        f"/v1/orders/{order['order_id']}/pay",
        json={"method": "wechat_pay", "amount": order["total"]},
    )
    assert r.status_code == 200, r.text
    return order


def wait_for_sales(hq: httpx.Client, sku: str) -> None:
    """The sales read models follow orders.paid through their own consumer: wait for it."""
    for _ in range(50):
        top = hq.get("/v1/analytics/top-products", params={"limit": 100}).json()["items"]
        if any(p["sku"] == sku for p in top):
            return
        time.sleep(0.2)
    raise AssertionError(f"{sku} never reached the sales read models")


def on_hand(hq: httpx.Client, sku: str, location: str) -> int:
    levels = hq.get("/v1/inventory", params={"sku": sku, "location_id": location}).json()
    return int(levels["items"][0]["on_hand"])


def charts_drawn(page: Page) -> dict[str, int]:
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart][data-drawn]').length >= 4"
    )
    return dict(page.evaluate(CHART_DATA))


def test_cards_and_charts_render_with_data(
    page: Page, sign_in: SignIn, alice: httpx.Client, hq: httpx.Client, screenshot: Shot
) -> None:
    paid_order(alice, "TEA-001", 2)
    paid_order(alice, "ELC-001", 1)
    wait_for_sales(hq, "ELC-001")

    sign_in(page, "hq")

    expect(page.get_by_role("heading", level=1)).to_have_text("总部看板")
    orders_card = page.locator('[data-kpi="orders"] .kpi-value')
    assert int(orders_card.inner_text().replace(",", "")) >= 2
    expect(page.locator('[data-kpi="revenue"] .kpi-value')).to_have_text(
        re.compile(r"^¥[\d,]+\.\d\d$")
    )
    expect(page.locator('[data-kpi="average"] .kpi-value')).to_have_text(
        re.compile(r"^¥[\d,]+\.\d\d$")
    )
    expect(page.locator('[data-kpi="cancel_rate"] .kpi-value')).to_have_text(re.compile(r"%$"))

    drawn = charts_drawn(page)
    assert drawn["day"] == 7  # the last 7 days, one point each
    for name in ("store", "region", "category"):
        assert drawn[name] > 0, drawn
    revenue_by_day = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart-name=day]'))"
        ".getOption().series[0].data"
    )
    assert sum(revenue_by_day) > 0
    hot = page.locator("table.dash-hot")
    expect(hot).to_contain_text("Electric kettle 1.7L")
    expect(page.locator(".leaders li").first).to_contain_text("需求最高")
    heat = page.locator("table.heat")
    expect(heat.locator("thead")).to_contain_text("electronics")
    expect(heat.locator("tbody td").first).to_have_text(re.compile(r"^(¥[\d,]+\.\d\d|—)$"))
    expect(page.locator(".stock-board, #stock-board p").first).to_be_visible()
    expect(page.locator("#parcels-panel .dash-carriers li").first).to_be_visible()
    # Carrier push gaps come with the first paint, from logistics' current state.
    expect(page.locator("#push-gaps li").first).to_be_visible()
    expect(page.locator("#push-gaps")).not_to_contain_text("暂时无法读取")
    expect(page.locator("#live-feed[data-live=open]")).to_have_count(1)
    live = paid_order(alice, "HOM-002")  # so the feed shows what it does
    expect(page.locator("#live-feed")).to_contain_text(f"订单 {live['order_no']} 已付款")
    screenshot(page, "dashboard-home")


def test_a_new_order_appears_on_the_live_feed_without_a_reload(
    page: Page, sign_in: SignIn, alice: httpx.Client
) -> None:
    sign_in(page, "hq")
    expect(page.locator("#live-feed[data-live=open]")).to_have_count(1)

    order = paid_order(alice, "SNK-002")  # no reload from here on

    no = order["order_no"]
    entry = page.locator(f'#live-feed a[href="/dashboard/orders/{no}"]').first
    expect(entry).to_be_visible(timeout=10_000)
    expect(page.locator("#live-feed")).to_contain_text(f"新订单 {no}")
    entry.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"订单 {no}")
    expect(page.locator("address")).to_contain_text("朝阳区建国路88号")


def test_one_click_transfer_from_the_low_stock_board(
    page: Page, sign_in: SignIn, hq: httpx.Client
) -> None:
    sku, location = "ELC-002", "LOC-S003"
    r = hq.put(
        "/v1/inventory/thresholds",
        json={"location_id": location, "sku": sku, "low_stock_threshold": 40},
    )
    assert r.status_code == 200, r.text
    try:
        sign_in(page, "hq")
        row = page.locator(f'.stock-board tr[data-sku="{sku}"][data-location="{location}"]')
        expect(row).to_be_visible()
        qty = int(row.locator('input[name="qty"]').input_value())
        source = row.locator('input[name="from_location_id"]').input_value()
        before = on_hand(hq, sku, source)
        button = row.get_by_role("button", name="一键调拨")
        button.dblclick()  # a double click still moves the units once

        expect(row.locator(".transfer-done")).to_contain_text(f"调出 {qty} 件")
        assert on_hand(hq, sku, source) == before - qty
        moves = hq.get("/v1/inventory/movements", params={"sku": sku, "location_id": source})
        outbound = [m for m in moves.json()["items"] if m["on_hand_delta"] == -qty]
        assert len(outbound) == 1, moves.json()
    finally:
        hq.put(
            "/v1/inventory/thresholds",
            json={"location_id": location, "sku": sku, "low_stock_threshold": 0},
        )


def test_the_dashboard_in_english(page: Page, sign_in: SignIn) -> None:
    sign_in(page, "hq")
    page.get_by_role("link", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Head office dashboard")
    expect(page.locator('[data-kpi="orders"] h3')).to_have_text("Orders today")
    expect(page.locator('[data-kpi="cancel_rate"] h3')).to_have_text("Cancellation rate")
    expect(page.get_by_role("table", name="Sales by region and category")).to_be_visible()
    charts_drawn(page)
    expect(page.get_by_role("heading", name="Live feed")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("总部看板")
