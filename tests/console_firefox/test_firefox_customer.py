# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""Firefox: the customer's orders on a phone-sized screen (status tabs, no sideways
scrolling), an order's page, and paying from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.console.test_console_customer import pay, place

from .bidi import Tab

pytestmark = pytest.mark.e2e

SignIn = Callable[[Tab, str], None]
Shot = Callable[[Tab, str], Path]
PHONE = (390, 844)
# Nothing wider than the screen. clientWidth is innerWidth less the scrollbar headless Firefox
# draws in the page (a phone's overlays it), so this is the stricter test.
NO_SIDEWAYS_SCROLL = """() => document.documentElement.scrollWidth
  <= Math.min(window.innerWidth, document.documentElement.clientWidth)"""


def card(order_no: str) -> str:
    return f'li.order[data-order-no="{order_no}"]'


def test_my_orders_by_status_tab_on_a_phone_and_an_orders_page(
    tab: Tab, sign_in: SignIn, alice: httpx.Client, screenshot: Shot
) -> None:
    order = place(alice, "TEA-002", 2)
    pay(alice, order)
    unpaid = place(alice, "SNK-002")
    no = order["order_no"]
    sign_in(tab, "customer")
    screenshot(tab, "customer-home")

    tab.set_viewport(*PHONE)
    tab.reload()
    assert tab.evaluate("() => window.innerWidth") == PHONE[0]
    assert tab.evaluate(NO_SIDEWAYS_SCROLL)
    tab.click("nav.tabs a", "待发货")

    tab.wait_for_path("/my/orders?status=paid")
    tab.wait_for_text("nav.tabs a[aria-current=page]", "待发货")  # the panel was swapped in
    assert tab.text(f"{card(no)} .chip") == "待发货"
    assert "Pu'er tea cake 357g" in tab.text(card(no))
    assert "¥196.00" in tab.text(card(no))
    assert tab.count(card(unpaid["order_no"])) == 0
    assert tab.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(tab, "customer-home-phone")

    tab.click(f"{card(no)} a.order-no")

    tab.wait_for_path(f"/my/orders/{no}")
    assert tab.text("h1") == f"订单 {no}"
    assert "浦东新区世纪大道1号" in tab.text("address")
    assert "支付宝" in tab.text("main")
    assert tab.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(tab, "customer-order-phone")


def test_customer_pays_from_the_orders_page(tab: Tab, sign_in: SignIn, alice: httpx.Client) -> None:
    order = place(alice)
    no = order["order_no"]
    sign_in(tab, "customer")
    tab.goto(f"/my/orders/{no}")
    assert tab.text(".order-title .chip") == "待付款"

    tab.evaluate(
        "() => { const s = document.querySelector('select[name=method]');"
        " s.value = 'wechat_pay'; s.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    tab.click("form[action$='/pay'] button[type=submit]")

    tab.wait_for_text("[role=status]", "付款成功，门店将尽快发货。")
    assert tab.text(".order-title .chip") == "待发货"
    assert "微信支付" in tab.text("main")
    assert alice.get(f"/v1/orders/{no}").json()["status"] == "paid"
