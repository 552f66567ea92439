"""Account use cases: sign in, create a user, keep the `hq` account's password current."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from chainkit.errors import AlreadyExists, Unauthenticated
from gateway.adapters.users import UserRecord, UserRepository
from gateway.core.security import (
    DUMMY_HASH,
    Principal,
    Role,
    create_access_token,
    hash_password,
    normalise_username,
    verify_password,
)

log = logging.getLogger(__name__)

HQ_USERNAME = "hq"


async def authenticate(
    users: UserRepository, username: str, password: str, *, secret: str, ttl_s: int
) -> tuple[str, UserRecord]:
    """A fresh access token for a correct username and password; Unauthenticated otherwise."""
    user = await users.get(normalise_username(username))
    # scrypt is deliberately slow: keep it off the event loop. Unknown users cost the same.
    ok = await asyncio.to_thread(
        verify_password, password, user.password_hash if user else DUMMY_HASH
    )
    if user is None or not ok:
        raise Unauthenticated("wrong username or password")
    principal = Principal(
        username=user.username,
        role=user.role,
        store_id=user.store_id,
        customer_id=user.customer_id,
    )
    return create_access_token(principal, secret=secret, ttl_s=ttl_s), user


async def create_user(
    users: UserRepository,
    *,
    username: str,
    password: str,
    role: Role,
    store_id: str | None,
    customer_id: str | None,
) -> UserRecord:
    if role == "customer" and not customer_id:
        customer_id = username  # a customer is their own customer id unless told otherwise
    password_hash = await asyncio.to_thread(hash_password, password)
    return await users.add(
        UserRecord(
            username=username,
            password_hash=password_hash,
            role=role,
            store_id=store_id,
            customer_id=customer_id,
            created_at=datetime.now(UTC),
        )
    )


async def ensure_hq_user(users: UserRepository, password: str) -> None:
    """The `hq` account always exists and its password is the configured one."""
    existing = await users.get(HQ_USERNAME)
    if existing is None:
        try:
            await create_user(
                users,
                username=HQ_USERNAME,
                password=password,
                role="hq",
                store_id=None,
                customer_id=None,
            )
            log.info("created the hq account")
            return
        except AlreadyExists:  # another replica created it meanwhile
            existing = await users.get(HQ_USERNAME)
            if existing is None:
                raise
    if not await asyncio.to_thread(verify_password, password, existing.password_hash):
        await users.set_password_hash(HQ_USERNAME, await asyncio.to_thread(hash_password, password))
        log.info("updated the hq account's password from CHAINSTORE_HQ_PASSWORD")
