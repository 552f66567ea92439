"""The console's browser session: sign-in sets an HttpOnly cookie, the cookie authenticates
pages and the API, unsafe methods need the CSRF token, expired sessions go back to sign-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.api.deps import SESSION_COOKIE, csrf_token_for
from gateway.console.session import safe_next
from gateway.core.security import Principal, create_access_token

from .conftest import HQ_PASSWORD, JWT_SECRET, Backends

ALICE = Principal(username="alice", role="customer", customer_id="C-ALICE")


def session_for(principal: Principal, *, ttl_s: int = 600, now: datetime | None = None) -> str:
    return create_access_token(principal, secret=JWT_SECRET, ttl_s=ttl_s, now=now)


def cleared(response: httpx.Response) -> bool:
    """The response deletes the session cookie."""
    return any(
        c.startswith(f"{SESSION_COOKIE}=") and "max-age=0" in c.lower()
        for c in response.headers.get_list("set-cookie")
    )


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str, **extra: str
) -> httpx.Response:
    form = await client.get("/")
    assert form.status_code == 200
    found = re.search(r'name="signin_token" value="([^"]+)"', form.text)
    assert found, form.text
    data = {"username": username, "password": password, "signin_token": found[1], **extra}
    return await client.post("/", data=data)


async def test_sign_in_sets_an_httponly_samesite_session_and_lands_on_the_role_home(
    client: httpx.AsyncClient,
) -> None:
    r = await sign_in(client, "hq", HQ_PASSWORD)

    assert r.status_code == 303
    assert r.headers["location"] == "/dashboard"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes  # development serves plain http on 127.0.0.1
    home = await client.get("/dashboard")
    assert home.status_code == 200
    assert "text/html" in home.headers["content-type"]
    assert home.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in home.headers["content-security-policy"]


async def test_wrong_password_stays_on_sign_in_without_a_session(
    client: httpx.AsyncClient,
) -> None:
    r = await sign_in(client, "hq", "not-the-password")

    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert SESSION_COOKIE not in r.cookies


async def test_a_sign_in_form_posted_from_elsewhere_is_refused(
    client: httpx.AsyncClient,
) -> None:
    """Login CSRF: without the form's token (bound to its nonce cookie) nobody is signed in."""
    r = await client.post("/", data={"username": "hq", "password": HQ_PASSWORD})

    assert r.status_code == 403
    assert SESSION_COOKIE not in r.cookies


async def test_cookie_without_csrf_token_cannot_change_anything(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    client.cookies.set(SESSION_COOKIE, session_for(ALICE))

    r = await client.post(f"/v1/orders/{order.order_no}/cancel", json={"reason": "x"})
    wrong = await client.post(
        f"/v1/orders/{order.order_no}/cancel", headers={"X-CSRF-Token": "0" * 64}, json={}
    )

    for answer in (r, wrong):
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
        assert "CSRF" in answer.json()["detail"]
    assert backends.orders.count("CancelOrder") == 0


async def test_cookie_with_its_csrf_token_may_change_things(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    token = session_for(ALICE)
    client.cookies.set(SESSION_COOKIE, token)

    r = await client.post(
        f"/v1/orders/{order.order_no}/cancel",
        headers={"X-CSRF-Token": csrf_token_for(token, JWT_SECRET)},
        json={"reason": "changed my mind"},
    )

    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert backends.orders.last("CancelOrder").scope.customer_id == "C-ALICE"


async def test_the_csrf_token_of_another_session_is_refused(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    client.cookies.set(SESSION_COOKIE, session_for(ALICE))
    other = session_for(Principal(username="bob", role="customer", customer_id="C-BOB"))

    r = await client.post(
        f"/v1/orders/{order.order_no}/cancel",
        headers={"X-CSRF-Token": csrf_token_for(other, JWT_SECRET)},
    )

    assert r.status_code == 403


async def test_cookie_reads_need_no_csrf_token_and_see_only_the_callers_orders(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    mine = backends.orders.seed("S1", "C-ALICE")
    backends.orders.seed("S1", "C-BOB")
    client.cookies.set(SESSION_COOKIE, session_for(ALICE))

    r = await client.get("/v1/orders")

    assert r.status_code == 200, r.text
    assert [o["order_no"] for o in r.json()["items"]] == [mine.order_no]


async def test_bearer_requests_need_no_csrf_token(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    bearer = {"Authorization": f"Bearer {session_for(ALICE)}"}

    r = await client.post(f"/v1/orders/{order.order_no}/cancel", headers=bearer)

    assert r.status_code == 200, r.text


async def test_an_expired_session_goes_back_to_sign_in(client: httpx.AsyncClient) -> None:
    hq = Principal(username="hq", role="hq")
    client.cookies.set(
        SESSION_COOKIE, session_for(hq, ttl_s=60, now=datetime.now(UTC) - timedelta(hours=1))
    )

    page = await client.get("/dashboard?day=1")
    api = await client.get("/v1/orders")

    assert page.status_code == 303
    assert page.headers["location"] == "/?next=/dashboard%3Fday%3D1&expired=1"
    assert cleared(page)
    assert api.status_code == 401
    sign_in_page = await client.get(page.headers["location"])
    assert "登录已过期" in sign_in_page.text


async def test_no_session_sends_pages_to_sign_in_and_htmx_requests_navigate(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/dashboard")
    fragment = await client.get("/dashboard", headers={"HX-Request": "true"})

    assert page.status_code == 303
    assert page.headers["location"] == "/?next=/dashboard"
    assert fragment.headers["hx-redirect"] == "/?next=/dashboard"


@pytest.mark.parametrize(
    ("principal", "page", "home"),
    [
        (ALICE, "/dashboard", "/my/orders"),
        (Principal(username="clerk", role="store", store_id="S1"), "/dashboard", "/store"),
        (Principal(username="hq", role="hq"), "/store", "/dashboard"),
    ],
)
async def test_a_role_is_sent_home_from_another_roles_page(
    client: httpx.AsyncClient, principal: Principal, page: str, home: str
) -> None:
    client.cookies.set(SESSION_COOKIE, session_for(principal))

    r = await client.get(page)

    assert r.status_code == 303
    assert r.headers["location"] == home


async def test_sign_out_needs_the_csrf_token_and_drops_the_session(
    client: httpx.AsyncClient,
) -> None:
    token = session_for(Principal(username="hq", role="hq"))
    client.cookies.set(SESSION_COOKIE, token)

    refused = await client.post("/logout")
    done = await client.post("/logout", data={"csrf_token": csrf_token_for(token, JWT_SECRET)})

    assert refused.status_code == 403
    assert done.status_code == 303
    assert done.headers["location"] == "/?signed_out=1"
    assert cleared(done)


async def test_sign_in_returns_to_a_local_next_page_only(client: httpx.AsyncClient) -> None:
    r = await sign_in(client, "hq", HQ_PASSWORD, next="/dashboard?range=7d")

    assert r.headers["location"] == "/dashboard?range=7d"
    assert safe_next("//evil.example/") is None
    assert safe_next("https://evil.example/") is None
    assert safe_next("/\\evil.example") is None


async def test_the_language_switch_is_remembered(client: httpx.AsyncClient) -> None:
    switched = await client.get("/lang/en?next=/track")
    page = await client.get("/")

    assert switched.status_code == 303
    assert switched.headers["location"] == "/track"
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text
