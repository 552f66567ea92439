# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""The customer's console: find an order by status tab and by number, follow its parcel,
act on it, the notification badge from the live feed, /track, and a phone-sized screen."""

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

# Chinese names and addresses are shown exactly as entered.
ADDRESS = {
    "name": "王小丽",
    "phone": "13800001234",
    "region": "east",
    "city": "上海",
    "line1": "浦东新区世纪大道1号",
}
SignIn = Callable[[Page, str], None]
Shot = Callable[[Page, str], Path]


def place(alice: httpx.Client, sku: str = "SNK-001", qty: int = 1) -> dict[str, Any]:
    body = {
        "store_id": "S001",
        "channel": "online",
        "lines": [{"sku": sku, "qty": qty}],
        "shipping_address": ADDRESS,
    }
    r = alice.post("/v1/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    return order


def pay(alice: httpx.Client, order: dict[str, Any]) -> None:
    r = alice.post(
        f"/v1/orders/{order['order_id']}/pay",
        json={"method": "alipay", "amount": order["total"]},
    )
    assert r.status_code == 200, r.text


def ship(staff: httpx.Client, order: dict[str, Any]) -> None:
    r = staff.post(f"/v1/orders/{order['order_id']}/confirm")
    assert r.status_code == 200, r.text
    r = staff.post(f"/v1/orders/{order['order_id']}/ship", json={})
    assert r.status_code == 200, r.text


def reload_until_scans(page: Page, at_least: int, within_s: float = 20) -> None:
    """The carrier simulator scans a parcel every fraction of a second at the test pace."""
    for _ in range(int(within_s / 0.5)):
        if page.locator(".scans li").count() >= at_least:
            return
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator(".scans li").count() >= at_least


def card(page: Page, order_no: str) -> Any:
    return page.locator(f'li.order[data-order-no="{order_no}"]')


def test_customer_finds_a_paid_order_by_tab_and_by_number_and_follows_its_parcel(
    page: Page, sign_in: SignIn, alice: httpx.Client, s001: httpx.Client, screenshot: Shot
) -> None:
    order = place(alice, "TEA-002", 2)
    pay(alice, order)
    unpaid = place(alice, "SNK-002")
    no = order["order_no"]

    sign_in(page, "customer")
    page.get_by_role("link", name=re.compile("^待发货")).click()

    expect(page).to_have_url(re.compile(r"/my/orders\?status=paid$"))
    expect(page.get_by_role("link", name=re.compile("^待发货")).locator(".count")).not_to_have_text(
        "0"
    )
    found = card(page, no)
    expect(found).to_be_visible()
    expect(found.locator(".chip")).to_have_text("待发货")
    expect(found).to_contain_text("Pu'er tea cake 357g")
    expect(found).to_contain_text("¥98.00")
    expect(found).to_contain_text("×2")
    expect(found).to_contain_text("¥196.00")
    expect(card(page, unpaid["order_no"])).to_have_count(0)

    page.get_by_role("link", name=re.compile("^全部")).click()
    expect(page).to_have_url(re.compile(r"/my/orders$"))
    page.get_by_label("订单号").fill(no)
    page.get_by_role("button", name="搜索").click()

    expect(page).to_have_url(re.compile(r"/my/orders\?q=" + no + "$"))
    expect(page.locator("li.order")).to_have_count(1)
    expect(card(page, no)).to_be_visible()
    page.get_by_role("link", name=no).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"订单 {no}")
    expect(page.get_by_text("支付宝")).to_be_visible()
    expect(page.locator("address")).to_contain_text("浦东新区世纪大道1号")
    expect(page.get_by_text("尚未发货。")).to_be_visible()

    ship(s001, order)
    page.reload()

    parcel = page.locator("article.parcel").first
    expect(parcel.get_by_text("运单号")).to_be_visible()
    waybill = parcel.locator("dd a").inner_text()
    assert waybill
    reload_until_scans(page, 2)
    scans = parcel.locator(".scans li")
    expect(scans.first.locator("time")).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
    )
    expect(page.locator(".timeline").last).to_contain_text("已发货")
    screenshot(page, "customer-order")


def test_a_waybill_is_public_on_track_without_personal_data(
    page: Page, alice: httpx.Client, s001: httpx.Client
) -> None:
    order = place(alice)
    pay(alice, order)
    ship(s001, order)
    shipped = alice.get(f"/v1/orders/{order['order_id']}/tracking").json()
    waybill = shipped["shipments"][0]["waybill_no"]

    page.goto("/track")
    page.get_by_label("运单号").fill(waybill)
    page.get_by_role("button", name="查询").click()

    expect(page.get_by_role("heading", level=2)).to_contain_text(waybill)
    reload_until_scans(page, 1)
    text = page.locator("main").inner_text()
    for private in (ADDRESS["name"], ADDRESS["phone"], ADDRESS["line1"], order["order_no"]):
        assert private not in text
    page.get_by_label("运单号").fill("NO-SUCH-WAYBILL")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("没有找到运单 NO-SUCH-WAYBILL")


def test_customer_pays_then_cancels_from_the_order_page(
    page: Page, sign_in: SignIn, alice: httpx.Client
) -> None:
    order = place(alice)
    no = order["order_no"]
    sign_in(page, "customer")
    page.goto(f"/my/orders/{no}")
    expect(page.locator(".order-title .chip")).to_have_text("待付款")

    page.get_by_label("付款方式").select_option("wechat_pay")
    page.get_by_role("button", name=re.compile("立即付款")).click()

    expect(page.get_by_role("status")).to_have_text("付款成功，门店将尽快发货。")
    expect(page.locator(".order-title .chip")).to_have_text("待发货")
    expect(page.get_by_text("微信支付")).to_be_visible()

    page.get_by_text("取消订单", exact=True).first.click()  # opens the <details>
    page.get_by_label("取消原因（可不填）").fill("买错了")
    page.get_by_role("button", name="取消订单").click()

    expect(page.get_by_role("status")).to_have_text("订单已取消。")
    expect(page.locator(".order-title .chip")).to_have_text("已取消")
    expect(page.get_by_text("取消原因：买错了")).to_be_visible()
    assert alice.get(f"/v1/orders/{no}").json()["status"] == "cancelled"


def test_another_customers_order_is_never_shown(
    page: Page, sign_in: SignIn, bob: httpx.Client, console_errors: Any
) -> None:
    body = {
        "store_id": "S001",
        "channel": "online",
        "lines": [{"sku": "DRK-002", "qty": 1}],
        "shipping_address": {**ADDRESS, "name": "鲍勃"},
    }
    bobs = bob.post("/v1/orders", json=body).json()
    console_errors.allow("404")
    sign_in(page, "customer")

    page.goto(f"/my/orders/{bobs['order_no']}")

    expect(page.get_by_role("alert")).to_have_text("找不到该页面或记录。")
    assert "鲍勃" not in page.content()
    page.goto(f"/my/orders?q={bobs['order_no']}")
    expect(page.locator("li.order")).to_have_count(0)


def test_the_badge_lights_up_from_the_live_feed_and_opens_the_order(
    page: Page, sign_in: SignIn, alice: httpx.Client, s001: httpx.Client
) -> None:
    order = place(alice)
    pay(alice, order)
    sign_in(page, "customer")
    page.get_by_role("button", name=re.compile("未读通知|通知")).click()
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".notify .badge")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator(".notify-list")).to_be_hidden()

    ship(s001, order)  # no reload from here on

    expect(page.locator(".notify .badge")).to_be_visible(timeout=10_000)
    page.get_by_role("button", name=re.compile("未读通知")).click()
    page.locator(f'.notify-list a[href="/my/orders/{order["order_no"]}"]').first.click()
    expect(page).to_have_url(re.compile(re.escape(f"/my/orders/{order['order_no']}") + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(order["order_no"])


def test_my_orders_on_a_phone_sized_screen(
    page: Page, sign_in: SignIn, alice: httpx.Client, screenshot: Shot
) -> None:
    pay(alice, place(alice, "HOM-002"))
    sign_in(page, "customer")
    screenshot(page, "customer-home")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()

    # Nothing wider than the screen: no sideways scrolling of the page.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    expect(page.locator("li.order").first).to_be_visible()
    screenshot(page, "customer-home-phone")


def test_pages_of_ten_newest_first(page: Page, sign_in: SignIn, bob: httpx.Client) -> None:
    body = {
        "store_id": "S002",
        "channel": "online",
        "lines": [{"sku": "DRK-001", "qty": 1}],
        "shipping_address": {**ADDRESS, "name": "鲍勃", "region": "north", "city": "北京"},
    }
    for _ in range(11):
        assert bob.post("/v1/orders", json=body).status_code == 201
    newest = bob.get("/v1/orders", params={"limit": 11}).json()["items"]
    sign_in(page, "bob")

    numbers = page.locator("li.order .order-no")
    expect(numbers).to_have_count(10)
    assert numbers.all_inner_texts() == [o["order_no"] for o in newest[:10]]
    page.get_by_role("link", name="下一页").click()

    expect(page).to_have_url(re.compile(r"cursor="))
    expect(numbers.first).to_have_text(newest[10]["order_no"])
    page.get_by_role("link", name="回到第一页").click()
    expect(numbers.first).to_have_text(newest[0]["order_no"])
