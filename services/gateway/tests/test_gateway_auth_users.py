"""Tokens, accounts and the hq user, on the users database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect

from chainkit.db import create_engine
from chainkit.migrations import downgrade, upgrade, upgrade_async
from chainstore.orders.v1 import orders_pb2
from gateway.core.config import Settings
from gateway.core.security import Principal, create_access_token
from gateway.main import MIGRATIONS, create_app


@pytest.fixture
def users_db_url(database_url: str) -> str:
    return database_url


async def token(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", json={"username": username, "password": password})


async def test_hq_signs_in_with_the_configured_password(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.hq_password is not None
    r = await token(client, "hq", settings.hq_password.get_secret_value())

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["role"] == "hq"
    assert body["expires_in"] == settings.token_ttl_s
    claims = jwt.decode(
        body["access_token"],
        settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        audience="chainstore-api",
    )
    assert claims["sub"] == "hq" and claims["role"] == "hq"
    assert claims["exp"] > datetime.now(UTC).timestamp()


async def test_wrong_password_or_unknown_user_is_401(client: httpx.AsyncClient) -> None:
    wrong = await token(client, "hq", "not-the-password")
    unknown = await token(client, "nobody", "whatever-password")

    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["detail"] == "wrong username or password"


async def test_missing_bad_or_expired_token_is_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    expired = create_access_token(
        Principal(username="hq", role="hq"),
        secret=settings.jwt_secret.get_secret_value(),
        ttl_s=60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    forged = create_access_token(
        Principal(username="hq", role="hq"),
        secret="another-secret-that-is-long-enough-xx",
        ttl_s=60,
    )
    headers: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": "Basic aHE6aHE="},
    ]
    for h in headers:
        r = await client.get("/v1/orders", headers=h)
        assert r.status_code == 401, h
        assert r.json()["status"] == 401


async def test_hq_creates_users_who_can_then_sign_in(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    backends.orders.stores["S1"] = orders_pb2.Store(store_id="S1", name="One")

    customer = await client.post(
        "/v1/users",
        json={"username": "alice", "password": "alice-password", "role": "customer"},
        headers=tokens.hq,
    )
    clerk = await client.post(
        "/v1/users",
        json={"username": "clerk", "password": "clerk-password", "role": "store", "store_id": "S1"},
        headers=tokens.hq,
    )

    assert customer.status_code == 201, customer.text
    assert customer.json()["customer_id"] == "alice"
    assert "password" not in customer.text
    assert clerk.status_code == 201, clerk.text
    signed_in = await token(client, "clerk", "clerk-password")
    assert signed_in.status_code == 200 and signed_in.json()["role"] == "store"
    claims = jwt.decode(signed_in.json()["access_token"], options={"verify_signature": False})
    assert claims["store_id"] == "S1"
    assert (await token(client, "clerk", "wrong-password")).status_code == 401


async def test_user_creation_rules(client: httpx.AsyncClient, tokens: Any) -> None:
    body = {"username": "bob", "password": "bob-password", "role": "customer"}
    assert (await client.post("/v1/users", json=body, headers=tokens.hq)).status_code == 201

    duplicate = await client.post("/v1/users", json=body, headers=tokens.hq)
    by_customer = await client.post(
        "/v1/users", json={**body, "username": "eve"}, headers=tokens.alice
    )
    by_staff = await client.post(
        "/v1/users", json={**body, "username": "eve"}, headers=tokens.staff_s1
    )
    short = await client.post(
        "/v1/users", json={**body, "username": "eve", "password": "short"}, headers=tokens.hq
    )
    unknown_store = await client.post(
        "/v1/users",
        json={**body, "username": "eve", "role": "store", "store_id": "NOPE"},
        headers=tokens.hq,
    )
    staff_without_store = await client.post(
        "/v1/users", json={**body, "username": "eve", "role": "store"}, headers=tokens.hq
    )

    assert duplicate.status_code == 409
    assert by_customer.status_code == by_staff.status_code == 403
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"
    assert "short" not in short.text  # the input (a password) is never echoed
    assert unknown_store.status_code == 422
    assert unknown_store.json()["errors"][0]["field"] == "store_id"
    assert staff_without_store.status_code == 422


async def start_and_sign_in(settings: Settings, *passwords: str) -> list[int]:
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            return [(await token(c, "hq", p)).status_code for p in passwords]


async def test_hq_password_comes_from_the_environment_and_follows_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = settings.model_dump(exclude={"hq_password"})

    monkeypatch.setenv("CHAINSTORE_HQ_PASSWORD", "first-password")
    assert await start_and_sign_in(Settings(**base), "first-password") == [200]

    # Restarted with another password: the new one works, the old one no longer does.
    monkeypatch.setenv("CHAINSTORE_HQ_PASSWORD", "second-password")
    codes = await start_and_sign_in(Settings(**base), "second-password", "first-password")
    assert codes == [200, 401]


async def test_users_migration_walks_up_down_and_up(database_url: str) -> None:
    async def tables() -> set[str]:
        engine = create_engine(database_url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    await upgrade_async(database_url, MIGRATIONS)
    assert "gw_user" in await tables()
    await asyncio.to_thread(downgrade, database_url, MIGRATIONS)
    assert "gw_user" not in await tables()
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    assert "gw_user" in await tables()
