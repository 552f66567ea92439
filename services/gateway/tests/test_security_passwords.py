"""Passwords stored as Argon2id at OWASP's cost, older hashes upgraded on the next sign-in,
and usernames normalised so look-alike accounts cannot be created."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gateway.adapters.users import UserRepository
from gateway.core.config import Settings
from gateway.core.passwords import LegacyScryptHasher, Passwords
from gateway.main import create_app

from .conftest import HQ_PASSWORD, Tokens


def users_of(app: FastAPI) -> UserRepository:
    users = app.state.gateway.users
    assert isinstance(users, UserRepository)
    return users


def test_new_hashes_are_argon2id_at_owasps_cost() -> None:
    passwords = Passwords()
    encoded = passwords.hash("correct horse")

    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify("correct horse", encoded)
    assert not passwords.verify("wrong horse", encoded)
    assert not passwords.verify("correct horse", "garbage")


async def test_an_old_scrypt_hash_is_upgraded_on_the_next_sign_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    users = users_of(app)
    await users.set_password_hash("hq", LegacyScryptHasher().hash(HQ_PASSWORD))

    r = await client.post("/v1/auth/token", json={"username": "hq", "password": HQ_PASSWORD})

    assert r.status_code == 200, r.text
    user = await users.get("hq")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    again = await client.post("/v1/auth/token", json={"username": "hq", "password": HQ_PASSWORD})
    assert again.status_code == 200


async def test_raising_the_cost_rehashes_at_the_next_sign_in(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"password_time_cost": 3}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            users = users_of(app)
            await users.set_password_hash("hq", Passwords().hash(HQ_PASSWORD))  # t=2
            r = await client.post(
                "/v1/auth/token", json={"username": "hq", "password": HQ_PASSWORD}
            )
            user = await users.get("hq")

    assert r.status_code == 200
    assert user is not None and ",t=3," in user.password_hash


def test_the_cost_is_a_setting_with_a_floor() -> None:
    assert Settings(environment="development").passwords().memory_kib == 19 * 1024
    custom = Settings(environment="development", password_memory_kib=65536).passwords()
    assert custom.memory_kib == 65536


async def test_look_alike_usernames_name_the_same_account(client: httpx.AsyncClient) -> None:
    hq = Tokens().hq
    first = await client.post(
        "/v1/users",
        json={"username": "grace", "password": "grace-password", "role": "customer"},
        headers=hq,
    )
    # Full-width letters and capitals: NFKC and case folding make them "grace".
    look_alike = await client.post(
        "/v1/users",
        json={
            "username": "\uff27\uff32\uff21\uff23\uff25",
            "password": "pass-word",
            "role": "customer",
        },
        headers=hq,
    )
    signed_in = await client.post(
        "/v1/auth/token", json={"username": "GRACE", "password": "grace-password"}
    )

    assert first.status_code == 201 and first.json()["username"] == "grace"
    assert look_alike.status_code == 409
    assert signed_in.status_code == 200
