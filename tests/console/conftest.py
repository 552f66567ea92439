"""Browser tests of the console: the whole suite (one Stack for every console test module,
seeded with the demo chain) driven by Playwright in Debian's Chromium.

No Chromium at /usr/bin/chromium: the tests skip locally and FAIL in CI (CI=true), where
`.ci/run` installs it. Never `playwright install`: we drive the system browser.

Fixtures and helpers for console test modules:
- `stack` (session): the running suite; `hq`, `alice`, `s001`, ... (tests/conftest.py) are
  API clients of the demo users, for arranging data.
- `page`: a fresh browser context (no cookies) and tab per test, zh-CN, Asia/Shanghai, with
  `base_url` set (so `page.goto("/my/orders")` works). Any console error or uncaught page
  error fails the test; call `console_errors.allow("substring")` before an expected one.
- `sign_in(page, role)`: signs in as the demo user of "customer", "store" or "hq" (or a
  username) through the sign-in form and waits for the role's home.
- `screenshot(page, name)`: saves docs/screenshots/<name>.png for the README.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, sync_playwright

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from gateway.demo_accounts import USERS

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOME = {"customer": "/my/orders", "store": "/store", "hq": "/dashboard"}
DEMO = {"customer": "alice", "store": "s001", "hq": "hq"}
TIMEOUT_MS = 15_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One suite for every console test module (starting one takes seconds)."""
    _require_chromium()
    suite = Stack(
        data_dir=tmp_path_factory.mktemp("console-stack"), ports=Ports.free(), carrier_pace_s=0.3
    )
    with seeded_stack(suite):
        yield suite


# Module scope: Playwright's sync API runs an event loop on this thread while it is open, and
# the tests after the console's (pytest-asyncio ones, asyncio.run) need the thread back.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    _require_chromium()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    yield browser
    browser.close()


class ConsoleErrors:
    """Console errors and uncaught exceptions of a page; the test fails if any is left."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._allowed: list[str] = []

    def allow(self, substring: str) -> None:
        self._allowed.append(substring)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.seen.append(f"console: {message.text} ({where})")

    def on_page_error(self, error: Error) -> None:
        self.seen.append(f"page error: {error.message}")

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(a in e for a in self._allowed)]


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser: Browser, stack: Stack, console_errors: ConsoleErrors) -> Iterator[Page]:
    context = browser.new_context(
        base_url=stack.gateway_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 860},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", console_errors.on_console)
    tab.on("pageerror", console_errors.on_page_error)
    yield tab
    context.close()
    unexpected = console_errors.unexpected()
    assert not unexpected, "the browser reported errors:\n" + "\n".join(unexpected)


def _password(stack: Stack, username: str) -> str:
    if username == "hq":
        return stack.hq_password
    return next(str(u["password"]) for u in USERS if u["username"] == username)


def sign_in_as(page: Page, stack: Stack, who: str) -> None:
    """Sign in through the form as a role's demo user ("customer", "store", "hq") or a username;
    waits until the role's home has loaded."""
    username = DEMO.get(who, who)
    role = next((r for r, name in DEMO.items() if name == username), None) or next(
        str(u["role"]) for u in USERS if u["username"] == username
    )
    page.goto("/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(_password(stack, username))
    page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    page.wait_for_url(re.compile(re.escape(HOME[role]) + r"(\?.*)?$"))


@pytest.fixture
def sign_in(stack: Stack) -> Callable[[Page, str], None]:
    return lambda page, who: sign_in_as(page, stack, who)


def save_screenshot(page: Page, name: str) -> Path:
    """docs/screenshots/<name>.png of the whole page (committed; the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    return save_screenshot
