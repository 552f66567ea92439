"""Safe defaults: no default secrets, passwords or demo users outside development, request
bodies with a size limit, and /metrics off the public port."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from gateway import accounts
from gateway.adapters.users import UserRepository
from gateway.core.config import Settings
from gateway.demo_accounts import USERS
from gateway.main import create_app

STRONG = "a-production-secret-that-is-long-enough-for-hs256"


def production(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(
        update={
            "environment": "production",
            "jwt_secret": SecretStr(STRONG),
            "hq_password": SecretStr("a-real-hq-password"),
            **changes,
        }
    )


def test_default_or_short_secrets_and_default_passwords_are_refused_outside_development() -> None:
    for password in ("hq-dev-password", "hq-development"):
        with pytest.raises(ValueError, match="development default"):
            Settings(environment="production", hq_password=password, jwt_secret=STRONG)
    with pytest.raises(ValueError, match="32"):
        Settings(environment="production", hq_password="pw-of-hq", jwt_secret=f"{STRONG} short")
    assert Settings(environment="production", hq_password="pw-of-hq", jwt_secret=STRONG)


async def test_the_gateway_refuses_to_start_with_the_demo_users(settings: Settings) -> None:
    dev = create_app(settings)
    async with dev.router.lifespan_context(dev):
        users = dev.state.gateway.users
        assert isinstance(users, UserRepository)
        demo = USERS[0]
        await accounts.create_user(
            users,
            username=str(demo["username"]),
            password=str(demo["password"]),
            role="customer",
            store_id=None,
            customer_id=None,
        )

    prod = create_app(production(settings, metrics_port=free_port()))
    with pytest.raises(RuntimeError, match="demo accounts"):
        async with prod.router.lifespan_context(prod):
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_metrics_are_on_their_own_port_outside_development(settings: Settings) -> None:
    port = free_port()
    app = create_app(production(settings, metrics_port=port))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            public = await client.get("/metrics")
            health = await client.get("/healthz")
        async with httpx.AsyncClient() as scraper:
            scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")

    assert public.status_code == 404 and health.status_code == 200
    assert scraped.status_code == 200 and "http_server_request_duration_seconds" in scraped.text


@pytest.fixture
async def small_bodies(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"max_body_bytes": 2048}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield client


async def test_a_body_over_the_limit_is_413(small_bodies: httpx.AsyncClient) -> None:
    big = b'{"username": "hq", "password": "' + b"x" * 4096 + b'"}'
    declared = await small_bodies.post(
        "/v1/auth/token", content=big, headers={"Content-Type": "application/json"}
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"x" * 512

    streamed = await small_bodies.post(
        "/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"}
    )
    small = await small_bodies.post("/v1/auth/token", json={"username": "hq", "password": "x"})

    for r in (declared, streamed):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "urn:chainstore:problem:payload-too-large"
    assert small.status_code == 401
