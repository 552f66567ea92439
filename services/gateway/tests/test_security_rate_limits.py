"""Rate limits: per credential, per address, per carrier and on sign-in; 429 problem+json
with Retry-After; in process by default, shared through Redis when configured."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from gateway.api.ratelimit import RateLimited
from gateway.core.config import Settings
from gateway.main import create_app

from .conftest import HQ_PASSWORD, Running, Tokens

REDIS_URL = "redis://127.0.0.1:6379/0"


def assert_too_many(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:chainstore:problem:too-many-requests"
    assert 1 <= int(r.headers["retry-after"]) <= 60


async def test_each_token_has_its_own_request_budget(settings: Settings, running: Running) -> None:
    async with running(settings, rate_limit_per_token="3/minute") as (_, client):
        alice = Tokens.make("customer", username=f"a-{uuid.uuid4()}", customer_id="C-A")
        bob = Tokens.make("customer", username=f"b-{uuid.uuid4()}", customer_id="C-B")
        answers = [(await client.get("/v1/products", headers=alice)).status_code for _ in range(3)]
        over = await client.get("/v1/products", headers=alice)
        other = await client.get("/v1/products", headers=bob)
        probe = await client.get("/healthz", headers=alice)

    assert 429 not in answers
    assert_too_many(over)
    assert other.status_code != 429 and probe.status_code == 200


async def test_each_address_has_a_budget_whatever_the_credential(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_per_address="4/minute") as (_, client):
        answers = [(await client.get("/v1/products")).status_code for _ in range(4)]
        over = await client.get("/v1/products", headers=Tokens.make("hq"))
        zh = await client.get("/v1/products", headers={"Accept-Language": "zh-CN"})

    assert answers == [401] * 4
    assert_too_many(over)
    assert zh.json()["title"] == "请求过于频繁"
    assert zh.json()["detail"] == "请求过于频繁，请稍后再试"  # noqa: RUF001


async def test_the_carrier_webhook_has_a_budget_per_carrier(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_carrier_webhook="2/minute") as (_, client):
        swift = [(await client.post("/v1/carriers/swift/events", content=b"{}")).status_code]
        swift.append((await client.post("/v1/carriers/swift/events", content=b"{}")).status_code)
        over = await client.post("/v1/carriers/swift/events", content=b"{}")
        steady = await client.post("/v1/carriers/steady/events", content=b"{}")

    assert 429 not in swift
    assert_too_many(over)
    assert steady.status_code != 429


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", json={"username": username, "password": password})


async def test_a_password_guesser_is_stopped_before_the_password_is_checked(
    settings: Settings,
    running: Running,
) -> None:
    async with running(settings, rate_limit_signin_per_account_address="3/minute") as (_, client):
        wrong = [(await sign_in(client, "hq", f"guess-{i}")).status_code for i in range(3)]
        right_but_late = await sign_in(client, "hq", HQ_PASSWORD)
        other_account = await sign_in(client, "nobody", "guess")

    assert wrong == [401, 401, 401]
    assert_too_many(right_but_late)
    assert right_but_late.json()["detail"] == "too many sign-in attempts; try again later"
    assert other_account.status_code == 401


async def test_the_owner_signing_in_clears_their_own_typos(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_signin_per_account_address="3/minute") as (_, client):
        for attempt in range(3):
            assert (await sign_in(client, "hq", f"typo-{attempt}")).status_code == 401
            if attempt == 1:
                assert (await sign_in(client, "hq", HQ_PASSWORD)).status_code == 200
        still_in = await sign_in(client, "hq", HQ_PASSWORD)

    assert still_in.status_code == 200


async def test_one_address_trying_many_names_is_stopped(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_signin_per_address="4/minute") as (_, client):
        names = [(await sign_in(client, f"user{i}", "guess")).status_code for i in range(4)]
        over = await sign_in(client, "someone-else", "guess")

    assert names == [401] * 4
    assert_too_many(over)


@pytest.mark.infra  # the Redis server at REDIS_URL
async def test_limits_are_shared_by_replicas_through_redis(
    settings: Settings, running: Running
) -> None:
    redis = pytest.importorskip("redis.asyncio")
    probe = redis.Redis.from_url(REDIS_URL)
    try:
        await probe.ping()
    finally:
        await probe.aclose()
    token = Tokens.make("hq", username=f"hq-{uuid.uuid4()}")
    shared = {"redis_url": REDIS_URL, "rate_limit_per_token": "4/minute"}
    async with running(settings, **shared) as (_, one), running(settings, **shared) as (_, two):
        answers = []
        for client in (one, two, one, two):
            answers.append((await client.get("/v1/products", headers=token)).status_code)
        over = await two.get("/v1/products", headers=token)

    assert 429 not in answers
    assert_too_many(over)


async def test_in_process_limits_are_per_replica(settings: Settings, running: Running) -> None:
    token = Tokens.make("hq", username=f"hq-{uuid.uuid4()}")
    async with (
        running(settings, rate_limit_per_token="2/minute") as (_, one),
        running(settings, rate_limit_per_token="2/minute") as (_, two),
    ):
        first = [(await one.get("/v1/products", headers=token)).status_code for _ in range(3)]
        second = (await two.get("/v1/products", headers=token)).status_code

    assert first[2] == 429 and second != 429


def test_a_limit_that_is_not_a_rate_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(environment="development", rate_limit_per_token="lots")


async def console_sign_in(client: httpx.AsyncClient, username: str, password: str) -> int:
    form = await client.get("/")
    found = re.search(r'name="signin_token" value="([^"]+)"', form.text)
    assert found, form.text
    data = {"username": username, "password": password, "signin_token": found[1]}
    return (await client.post("/", data=data)).status_code


async def test_the_console_sign_in_form_is_limited_like_the_api(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_signin_per_account_address="3/minute") as (_, client):
        wrong = [await console_sign_in(client, "HQ", f"guess-{i}") for i in range(3)]
        api_too = await sign_in(client, "hq", HQ_PASSWORD)
        form_too = await console_sign_in(client, "hq", HQ_PASSWORD)
        other = await console_sign_in(client, "someone", "guess")

    assert wrong == [401, 401, 401]  # the same account however it is spelled
    assert_too_many(api_too)
    assert form_too == 429 and other == 401


async def test_signing_in_on_the_console_forgives_the_owners_typos(
    settings: Settings, running: Running
) -> None:
    async with running(settings, rate_limit_signin_per_account_address="3/minute") as (_, client):
        assert await console_sign_in(client, "hq", "typo") == 401
        assert await console_sign_in(client, "hq", "typo") == 401
        assert await console_sign_in(client, "hq", HQ_PASSWORD) == 303
        client.cookies.clear()
        later = [await console_sign_in(client, "hq", "typo") for _ in range(3)]

    assert later == [401, 401, 401]


async def test_guessers_spread_over_addresses_do_not_lock_the_owner_out_at_home(
    settings: Settings,
) -> None:
    """The account-wide budget stops a guesser on many addresses, but the owner still gets
    in from an address they signed in from before."""
    app = create_app(settings.model_copy(update={"rate_limit_signin_per_account": "3/hour"}))
    limiter = app.state.gateway.limiter
    await limiter.succeeded_sign_in("hq", "10.0.0.1")  # the owner's office, last week
    for guesser in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        await limiter.before_sign_in("hq", guesser)
        await limiter.failed_sign_in("hq", guesser)

    with pytest.raises(RateLimited):
        await limiter.before_sign_in("hq", "203.0.113.4")  # a new guesser: stopped
    await limiter.before_sign_in("hq", "10.0.0.1")  # the owner at the office: let in
