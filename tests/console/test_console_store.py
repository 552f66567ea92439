"""The store staff's console: confirm and ship a paid order, a sale at the till that sells
once even when sent twice, a new paid order appearing in the queue without a reload, and
the English switch."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

ADDRESS = {
    "name": "李雷",
    "phone": "13900002222",
    "region": "east",
    "city": "上海",
    "line1": "黄浦区南京东路100号",
}
SignIn = Callable[[Page, str], None]
Shot = Callable[[Page, str], Path]


def paid_order(alice: httpx.Client, sku: str = "TEA-001", qty: int = 1) -> dict[str, Any]:
    body = {
        "store_id": "S001",
        "channel": "online",
        "lines": [{"sku": sku, "qty": qty}],
        "shipping_address": ADDRESS,
    }
    r = alice.post("/v1/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    r = alice.post(
        f"/v1/orders/{order['order_id']}/pay", json={"method": "alipay", "amount": order["total"]}
    )
    assert r.status_code == 200, r.text
    return order


def queued(page: Page, order_no: str) -> Any:
    return page.locator(f'#queue li.order[data-order-no="{order_no}"]')


def test_staff_confirm_and_ship_a_paid_order(
    page: Page, sign_in: SignIn, alice: httpx.Client, s001: httpx.Client, screenshot: Shot
) -> None:
    earlier = paid_order(alice, "DRK-001", 1)  # reviewed already: waits for shipping
    r = s001.post(f"/v1/orders/{earlier['order_id']}/confirm")
    assert r.status_code == 200, r.text
    order = paid_order(alice, "TEA-001", 2)
    no = order["order_no"]

    sign_in(page, "store")
    card = queued(page, no)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Longjing green tea 250g")
    expect(card).to_contain_text("¥256.00")
    expect(card).to_contain_text("李雷")
    expect(card.locator(".chip")).to_have_text("待确认")
    expect(queued(page, earlier["order_no"]).locator(".chip")).to_have_text("已确认")
    screenshot(page, "store-home")

    card.get_by_role("link", name="审核并发货").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"订单 {no}")
    expect(page.get_by_text("请先确认订单再发货。")).to_be_visible()
    page.get_by_role("button", name="确认订单").click()

    expect(page.get_by_role("status")).to_contain_text("订单已确认。")
    rules = page.get_by_role("radio", name=re.compile("按规则选择"))
    expect(rules).to_be_checked()
    page.get_by_role("button", name="发货", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("已发货")
    parcel = page.locator("article.parcel").first
    expect(parcel).to_contain_text("选择原因")
    expect(parcel.locator("dd").nth(1)).to_contain_text(re.compile("规则选择|门店常用承运商"))
    waybill = parcel.locator("dd a").first.inner_text()
    assert waybill
    expect(page.locator(".order-title .chip").first).to_have_text("已发货")
    screenshot(page, "store-order")
    page.goto("/store")
    expect(queued(page, no)).to_have_count(0)


def test_the_ship_form_suggests_the_carrier_that_then_ships(
    page: Page, sign_in: SignIn, alice: httpx.Client, s001: httpx.Client, screenshot: Shot
) -> None:
    order = paid_order(alice, "TEA-001", 1)
    r = s001.post(f"/v1/orders/{order['order_id']}/confirm")
    assert r.status_code == 200, r.text

    sign_in(page, "store")
    page.goto(f"/store/orders/{order['order_no']}")
    suggested = page.locator("#ship-quote .quoted")
    expect(suggested).to_have_count(1)
    expect(page.locator("#ship-quote")).to_contain_text("建议承运商")
    expect(suggested.locator(".quoted-rule")).to_contain_text("规则")
    expect(page.get_by_role("radio", name=re.compile("按规则选择"))).to_be_checked()
    screenshot(page, "store-ship-quote")

    # Another level: the suggestion follows (htmx), still before anything is shipped.
    page.get_by_label("时效", exact=True).select_option("express")
    expect(suggested).to_contain_text("特快")
    carrier = suggested.get_attribute("data-carrier")
    name = suggested.locator(".quoted-carrier").inner_text()
    assert carrier and name
    assert s001.get(f"/v1/orders/{order['order_id']}").json()["status"] == "paid"

    page.get_by_role("button", name="发货", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("已发货")
    expect(page.locator("article.parcel dd").first).to_have_text(name)
    shipped = s001.get(f"/v1/orders/{order['order_id']}").json()
    assert [s["carrier"] for s in shipped["shipments"]] == [carrier]


def test_a_new_paid_order_appears_in_the_queue_without_a_reload(
    page: Page, sign_in: SignIn, alice: httpx.Client
) -> None:
    sign_in(page, "store")
    expect(page.get_by_role("heading", level=1)).to_have_text("待处理订单")
    page.evaluate("window.__sameDocument = true")
    page.wait_for_timeout(500)  # the feed connects

    order = paid_order(alice, "SNK-001")

    expect(queued(page, order["order_no"])).to_be_visible()
    live = page.locator("section.store-live")
    expect(live).to_be_visible()
    expect(live.get_by_role("link", name=re.compile(order["order_no"]))).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened


def available(staff: httpx.Client, sku: str) -> int:
    r = staff.get("/v1/inventory", params={"sku": sku, "location_id": "LOC-S001"})
    assert r.status_code == 200, r.text
    return int(r.json()["items"][0]["available"])


def test_a_till_sale_sent_twice_sells_once(
    page: Page, sign_in: SignIn, s001: httpx.Client, screenshot: Shot
) -> None:
    before = available(s001, "HOM-001")
    sign_in(page, "store")
    page.get_by_role("link", name="收银台").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("收银台")

    page.get_by_label("第 1 行商品编码").fill("HOM-001")
    page.get_by_label("第 1 行数量").fill("2")
    page.get_by_role("button", name="添加一行").click()
    page.get_by_label("第 4 行商品编码").fill("drk-002")
    expect(page.locator(".till-line").first.locator(".till-name")).to_have_text("Bamboo towel set")
    expect(page.locator(".till-total")).to_have_text("¥150.90")  # 2 x 69.00 + 12.90
    page.get_by_label("微信支付").check()

    # The same form sent twice (a double submit, a retry after a lost answer) ...
    form = page.evaluate(
        "() => new URLSearchParams(new FormData(document.querySelector('form[data-till]')))"
        ".toString()"
    )
    answers = [
        page.request.post(
            "/store/till",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_redirects=0,
        )
        for _ in range(2)
    ]
    refusals = re.findall(r"notice-error[^<]*<[^<]*", answers[0].text())
    assert [a.status for a in answers] == [303, 303], refusals
    assert answers[0].headers["location"] == answers[1].headers["location"]
    # ... and the button pressed as well: still the one sale.
    page.get_by_role("button", name="收款").click()

    receipt = page.locator("section.receipt")
    expect(receipt).to_be_visible()
    sold_no = answers[0].headers["location"].split("sold=")[1]
    expect(receipt).to_have_attribute("data-order-no", sold_no)
    expect(receipt).to_contain_text("¥150.90")
    expect(receipt).to_contain_text("微信支付")
    assert available(s001, "HOM-001") == before - 2
    screenshot(page, "store-till")


def test_the_store_pages_switch_to_english_and_back(page: Page, sign_in: SignIn) -> None:
    sign_in(page, "store")
    page.get_by_role("link", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Orders to review")
    page.get_by_role("link", name="Stock", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Store stock")
    expect(page.get_by_role("columnheader", name="Available")).to_be_visible()
    page.get_by_role("link", name="Parcels", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The store's parcels")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("门店包裹")
