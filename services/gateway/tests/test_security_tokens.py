"""Tokens done properly: iss/aud/kid checked, rotation without signing anyone out, refresh,
and sign-out or a password change revoking the session on every replica."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from pydantic import SecretStr

from gateway.adapters.live_sessions import RECHECK_S
from gateway.core.config import Settings
from gateway.core.security import Principal, create_access_token, key_id

from .conftest import JWT_SECRET, Running, Tokens

OLD_KEY = "an-older-signing-key-that-is-long-enough-too"


@pytest.fixture
def users_db_url(database_url: str) -> str:
    """Sessions and the audit trail on both databases (SQLite and PostgreSQL)."""
    return database_url


async def new_customer(client: httpx.AsyncClient, username: str, password: str) -> None:
    r = await client.post(
        "/v1/users",
        json={"username": username, "password": password, "role": "customer"},
        headers=Tokens().hq,
    )
    assert r.status_code == 201, r.text


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    r = await client.post("/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def status_with(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/v1/notifications", headers=bearer(token))).status_code


async def test_a_token_names_its_issuer_audience_key_and_session(
    client: httpx.AsyncClient,
) -> None:
    await new_customer(client, "carol", "carol-password")
    body = await sign_in(client, "carol", "carol-password")

    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(
        body["access_token"], JWT_SECRET, algorithms=["HS256"], audience="chainstore-api"
    )
    assert header["kid"] == key_id(JWT_SECRET) and header["alg"] == "HS256"
    assert claims["iss"] == "chainstore-gateway" and claims["sid"]
    assert claims["exp"] - claims["iat"] == 900  # short-lived by default
    assert body["refresh_token"].startswith(claims["sid"] + ".")


def forged(**changes: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": "chainstore-gateway",
        "aud": "chainstore-api",
        "sub": "hq",
        "role": "hq",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    key = str(changes.pop("key", JWT_SECRET))
    headers = {"kid": str(changes.pop("kid", key_id(JWT_SECRET)))}
    algorithm = str(changes.pop("alg", "HS256"))
    claims.update(changes)
    return jwt.encode(claims, key if algorithm != "none" else None, algorithm, headers=headers)


async def test_alg_none_wrong_key_audience_issuer_kid_or_expired_is_401(
    client: httpx.AsyncClient,
) -> None:
    assert await status_with(client, forged()) == 403  # the baseline works (hq: not a customer)
    past = datetime.now(UTC) - timedelta(hours=1)
    for token in (
        forged(alg="none"),
        forged(key="another-key-of-sufficient-length-xxxxxxxx"),
        forged(aud="someone-else"),
        forged(iss="someone-else"),
        forged(kid="unknown"),
        forged(iat=past - timedelta(hours=1), exp=past),
        "not-a-jwt",
    ):
        r = await client.get("/v1/notifications", headers=bearer(token))
        assert r.status_code == 401, token
        assert r.headers["www-authenticate"] == "Bearer"


async def test_keys_rotate_without_signing_anyone_out(settings: Settings, running: Running) -> None:
    old_token = create_access_token(Principal(username="hq", role="hq"), secret=OLD_KEY, ttl_s=600)
    async with running(settings, jwt_secret=SecretStr(f"{JWT_SECRET} {OLD_KEY}")) as (_, rotated):
        assert await status_with(rotated, old_token) == 403  # still signed in (hq)
        body = await sign_in(rotated, "hq", "hq-test-password")
        assert jwt.get_unverified_header(body["access_token"])["kid"] == key_id(JWT_SECRET)
    async with running(settings, jwt_secret=SecretStr(JWT_SECRET)) as (_, retired):
        assert await status_with(retired, old_token) == 401
        assert await status_with(retired, body["access_token"]) == 403


async def test_refresh_renews_and_a_reused_refresh_token_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    await new_customer(client, "dave", "dave-password")
    first = await sign_in(client, "dave", "dave-password")

    renewed = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert await status_with(client, second["access_token"]) == 200
    assert second["refresh_token"] != first["refresh_token"]

    replay = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert await status_with(client, second["access_token"]) == 401
    again = await client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


async def refused_within(client: httpx.AsyncClient, token: str, bound_s: float) -> float:
    """Seconds until `client` refuses `token` (401); fails if that takes over `bound_s`."""
    started = time.monotonic()
    while (status := await status_with(client, token)) != 401:
        assert status == 200
        assert time.monotonic() - started <= bound_s, "still accepted past the bound"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_sign_out_revokes_that_session_on_every_replica(
    settings: Settings, running: Running
) -> None:
    async with running(settings) as (_, one), running(settings) as (_, two):
        await new_customer(one, "erin", "erin-password")
        phone = await sign_in(one, "erin", "erin-password")
        laptop = await sign_in(two, "erin", "erin-password")
        assert await status_with(two, phone["access_token"]) == 200  # `two` knows it live

        out = await one.post("/v1/auth/logout", headers=bearer(phone["access_token"]))

        assert out.status_code == 204
        assert await status_with(one, phone["access_token"]) == 401  # at once where it ended
        refreshed = await two.post(
            "/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
        )
        assert refreshed.status_code == 401
        # The other replica re-reads a live session at most RECHECK_S after it last did.
        await refused_within(two, phone["access_token"], RECHECK_S + 0.5)
        assert await status_with(one, laptop["access_token"]) == 200
        assert await status_with(two, laptop["access_token"]) == 200


async def test_a_password_change_ends_every_session(client: httpx.AsyncClient) -> None:
    await new_customer(client, "frank", "frank-password")
    a = await sign_in(client, "frank", "frank-password")
    b = await sign_in(client, "frank", "frank-password")

    wrong = await client.post(
        "/v1/auth/password",
        json={"current_password": "nope", "new_password": "frank-new-password"},
        headers=bearer(a["access_token"]),
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"field": "current_password", "message": "wrong password"}]
    changed = await client.post(
        "/v1/auth/password",
        json={"current_password": "frank-password", "new_password": "frank-new-password"},
        headers=bearer(a["access_token"]),
    )

    assert changed.status_code == 204
    for session in (a, b):
        assert await status_with(client, session["access_token"]) == 401
    old = await client.post(
        "/v1/auth/token", json={"username": "frank", "password": "frank-password"}
    )
    assert old.status_code == 401
    assert (await sign_in(client, "frank", "frank-new-password"))["access_token"]
