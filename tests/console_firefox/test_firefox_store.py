"""Firefox: the store's queue of paid orders, and a sale at the till."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.console.test_console_store import available, paid_order

from .bidi import Tab

pytestmark = pytest.mark.e2e

SignIn = Callable[[Tab, str], None]
Shot = Callable[[Tab, str], Path]


def test_the_queue_shows_a_paid_order(
    tab: Tab, sign_in: SignIn, alice: httpx.Client, screenshot: Shot
) -> None:
    no = paid_order(alice, "TEA-001", 2)["order_no"]

    sign_in(tab, "store")

    card = f'#queue li.order[data-order-no="{no}"]'
    tab.wait_for_text(card, "Longjing green tea 250g")
    assert "¥256.00" in tab.text(card)
    assert "李雷" in tab.text(card)
    assert tab.text(f"{card} .chip") == "待确认"
    assert tab.text("h1") == "待处理订单"
    screenshot(tab, "store-home")


def test_a_sale_at_the_till(
    tab: Tab, sign_in: SignIn, s001: httpx.Client, screenshot: Shot
) -> None:
    before = available(s001, "HOM-001")
    sign_in(tab, "store")
    tab.click("a", "收银台")
    tab.wait_for_path("/store/till")
    assert tab.text("h1") == "收银台"

    tab.fill("#sku-1", "HOM-001")
    tab.fill("#qty-1", "2")
    tab.wait_for_text(".till-line .till-name", "Bamboo towel set")
    tab.wait_for_text(".till-total", "¥138.00")
    tab.click("label.choice", "微信支付")
    tab.click("form[data-till] button[type=submit]")

    tab.wait_for_text("section.receipt", "¥138.00")
    assert "微信支付" in tab.text("section.receipt")
    assert available(s001, "HOM-001") == before - 2
    screenshot(tab, "store-till")
