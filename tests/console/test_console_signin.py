"""Sign-in for every role on one page, each landing on its home; sign-out; the language switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("role", "home", "nav"),
    [
        ("customer", "/my/orders", "我的订单"),
        ("store", "/store", "门店"),
        ("hq", "/dashboard", "总部看板"),
    ],
)
def test_each_role_signs_in_on_one_page_and_lands_on_its_home(
    page: Page, sign_in: Callable[[Page, str], None], role: str, home: str, nav: str
) -> None:
    sign_in(page, role)

    assert page.url.endswith(home)
    expect(page.get_by_role("link", name=nav, exact=True)).to_have_attribute("aria-current", "page")
    # The session cookie is invisible to page scripts.
    assert "chainstore_session" not in page.evaluate("document.cookie")
    cookie = next(c for c in page.context.cookies() if c["name"] == "chainstore_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_sign_out_ends_the_session(page: Page, sign_in: Callable[[Page, str], None]) -> None:
    sign_in(page, "hq")

    page.get_by_role("button", name="退出登录").click()

    expect(page.get_by_role("status")).to_have_text("您已退出登录。")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/\?next=/dashboard$"))


def test_a_wrong_password_is_told_plainly(page: Page, console_errors: object) -> None:
    # The 401 answer of the form post is expected; the browser logs it as a failed load.
    console_errors.allow("401")  # type: ignore[attr-defined]
    page.goto("/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("not-her-password")
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    expect(page.get_by_label("用户名")).to_have_value("alice")


def test_the_language_switch_changes_every_label_and_is_remembered(
    page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    screenshot(page, "signin")

    page.get_by_role("link", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Username")).to_be_visible()
    page.goto("/track")
    expect(page.get_by_role("link", name="Track a parcel")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_the_customer_pages_in_english(
    page: Page, sign_in: Callable[[Page, str], None], screenshot: Callable[[Page, str], Path]
) -> None:
    sign_in(page, "customer")

    page.get_by_role("link", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    expect(page.get_by_role("link", name=re.compile("^Awaiting shipment"))).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_label("Order number")).to_be_visible()
    if page.locator("li.order").count():
        expect(page.locator("li.order").first).to_contain_text("¥")
    screenshot(page, "customer-home-en")


def test_sign_in_with_the_keyboard_only(page: Page) -> None:
    page.goto("/")

    # The username field has focus on arrival (wait for it: keys typed before the page has
    # applied autofocus go nowhere); Tab moves on, Enter submits.
    expect(page.get_by_label("用户名")).to_be_focused()
    page.keyboard.type("s001")
    page.keyboard.press("Tab")
    page.keyboard.type("s001-demo-pass")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/store$"))
    page.keyboard.press("Tab")  # the first stop is the skip link, straight to the content
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
