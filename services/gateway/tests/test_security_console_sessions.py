"""The console's cookie session ends like an API session: signing out on the console ends it
everywhere, and a session ended elsewhere (API sign-out, password change) signs the browser
out of the pages too."""

from __future__ import annotations

import re

import httpx

from gateway.api.deps import SESSION_COOKIE, csrf_token_for

from .conftest import HQ_PASSWORD, JWT_SECRET, Tokens


async def console_sign_in(client: httpx.AsyncClient, username: str, password: str) -> str:
    form = await client.get("/")
    found = re.search(r'name="signin_token" value="([^"]+)"', form.text)
    assert found, form.text
    data = {"username": username, "password": password, "signin_token": found[1]}
    r = await client.post("/", data=data)
    assert r.status_code == 303, r.text
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    return token


async def signed_in_on_pages(client: httpx.AsyncClient, token: str) -> bool:
    """The sign-in page sends a signed-in browser home (303) and shows the form otherwise."""
    client.cookies.set(SESSION_COOKIE, token)
    return (await client.get("/")).status_code == 303


async def test_signing_out_on_the_console_ends_the_session_everywhere(
    client: httpx.AsyncClient,
) -> None:
    token = await console_sign_in(client, "hq", HQ_PASSWORD)
    assert await signed_in_on_pages(client, token)

    out = await client.post("/logout", data={"csrf_token": csrf_token_for(token, JWT_SECRET)})

    assert out.status_code == 303
    assert not await signed_in_on_pages(client, token)  # the old cookie, replayed
    api = await client.get("/v1/stores", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


async def test_a_password_change_through_the_api_signs_the_browser_out(
    client: httpx.AsyncClient,
) -> None:
    made = await client.post(
        "/v1/users",
        json={"username": "heidi", "password": "heidi-password", "role": "customer"},
        headers=Tokens().hq,
    )
    assert made.status_code == 201
    browser = await console_sign_in(client, "heidi", "heidi-password")
    client.cookies.clear()
    api = await client.post(
        "/v1/auth/token", json={"username": "heidi", "password": "heidi-password"}
    )
    bearer = {"Authorization": f"Bearer {api.json()['access_token']}"}

    changed = await client.post(
        "/v1/auth/password",
        json={"current_password": "heidi-password", "new_password": "heidi-new-password"},
        headers=bearer,
    )

    assert changed.status_code == 204
    assert not await signed_in_on_pages(client, browser)
