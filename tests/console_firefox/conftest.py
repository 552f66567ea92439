"""Browser tests of the console in Firefox: Debian's firefox-esr driven over WebDriver BiDi
(bidi.py says why not Playwright or Selenium), against one Stack for the whole directory
(package scope: it and the browser stop when the directory's tests are done).

No firefox-esr at /usr/bin/firefox-esr: the tests skip locally and FAIL in CI (CI=true),
where `.ci/run` installs it.

Fixtures: `stack`, `firefox` (the browser); `alice`, `hq`, `s001`, ... (tests/conftest.py)
are API clients of the demo users; `tab`: a fresh tab with its own cookies, 1280x860, zh-CN,
Asia/Shanghai; any JavaScript error or console.error in it fails the test. `sign_in(tab, role)`
signs in through the form and waits for the role's home; `screenshot(tab, name)` saves
docs/screenshots/firefox-<name>.png.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from tests.console.conftest import DEMO, HOME, _password

from .bidi import Firefox, Tab

FIREFOX = Path("/usr/bin/firefox-esr")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _require_firefox() -> None:
    if FIREFOX.exists():
        return
    message = f"{FIREFOX} is missing (apt-get install -y firefox-esr)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One suite for every test in this directory."""
    _require_firefox()
    suite = Stack(
        data_dir=tmp_path_factory.mktemp("firefox-stack"), ports=Ports.free(), carrier_pace_s=0.3
    )
    with seeded_stack(suite):
        yield suite


@pytest.fixture(scope="package")
def firefox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    _require_firefox()
    browser = Firefox(FIREFOX, tmp_path_factory.mktemp("firefox-profile"))
    yield browser
    browser.close()


@pytest.fixture
def tab(firefox: Firefox, stack: Stack) -> Iterator[Tab]:
    firefox.take_errors()  # what earlier tests left is theirs
    page = firefox.new_tab(stack.gateway_url, 1280, 860)
    yield page
    errors = firefox.take_errors()
    page.close()
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


@pytest.fixture
def sign_in(stack: Stack) -> Callable[[Tab, str], None]:
    """Signs in through the form as a role's demo user; waits until the role's home loaded."""

    def sign_in(tab: Tab, role: str) -> None:
        tab.goto("/")
        tab.fill("#username", DEMO[role])
        tab.fill("#password", _password(stack, DEMO[role]))
        tab.click("form button[type=submit].primary")
        tab.wait_for_path(HOME[role])

    return sign_in


@pytest.fixture
def screenshot() -> Callable[[Tab, str], Path]:
    return lambda tab, name: tab.screenshot(SCREENSHOTS / f"firefox-{name}.png")
