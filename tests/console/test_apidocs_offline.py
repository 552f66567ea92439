"""/docs and /redoc render in a browser that may reach nothing but the gateway (a store
network closed to the internet): every script, style and font comes from the gateway."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Route

from chainstore_dev.devstack import Stack


def offline(page: Page, stack: Stack) -> list[str]:
    """Block every request to another host; returns the blocked URLs."""
    ours = urlsplit(stack.gateway_url).netloc
    blocked: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == ours or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def test_swagger_ui_renders_every_operation_offline(page: Page, stack: Stack) -> None:
    blocked = offline(page, stack)
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 50
    # Stable operation ids are shown beside each operation.
    page.get_by_text("orders-get_receipt", exact=True).wait_for()
    assert blocked == []


def test_redoc_renders_offline(page: Page, stack: Stack, console_errors: Any) -> None:
    # Redoc's bundle draws a logo from cdn.redoc.ly: the page's policy refuses it in the
    # browser (the refusal is logged), so no request leaves for it.
    console_errors.allow("cdn.redoc.ly")
    blocked = offline(page, stack)
    page.goto("/redoc")
    page.get_by_text("/v1/orders/{order_ref}/receipt").first.wait_for(state="attached")
    assert blocked == []
