"""Firefox: every role signs in on the one form and lands on its home; the guard that fails a
test on a page's JavaScript error does catch one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .bidi import Firefox, Tab

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("role", "home", "nav"),
    [
        ("customer", "/my/orders", "我的订单"),
        ("store", "/store", "门店"),
        ("hq", "/dashboard", "总部看板"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_home(
    tab: Tab, sign_in: Callable[[Tab, str], None], role: str, home: str, nav: str
) -> None:
    sign_in(tab, role)

    assert tab.url.endswith(home)
    current = tab.evaluate(
        "() => document.querySelector('nav.areas a[aria-current=page]')?.textContent.trim()"
    )
    assert current == nav
    assert "chainstore_session" not in tab.evaluate("() => document.cookie")
    cookie = next(c for c in tab.cookies() if c["name"] == "chainstore_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "lax"


def test_a_script_error_in_the_page_is_caught(tab: Tab, firefox: Firefox) -> None:
    tab.goto("/")
    tab.evaluate("() => { setTimeout(() => { throw new Error('thrown on purpose'); }, 0); }")
    tab.evaluate("() => new Promise((done) => setTimeout(done, 200))")

    errors = firefox.take_errors()  # taken here, so the fixture's own check passes

    assert any("thrown on purpose" in e for e in errors), errors
