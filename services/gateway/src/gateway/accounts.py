"""Account use cases: sign in (a session and its tokens), refresh, sign out, change a
password, create a user, keep the `hq` account's password current. Head office's changes
to other accounts are in gateway.account_admin."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from chainkit.clock import utcnow
from chainkit.errors import AlreadyExists, FieldError, InvalidArgument, Unauthenticated
from gateway.adapters.users import SessionRecord, UserRecord, UserRepository
from gateway.core.security import Principal, Role, create_access_token, normalise_username

log = logging.getLogger(__name__)

HQ_USERNAME = "hq"
# How long a session can be renewed with its refresh token before signing in again.
DEFAULT_SESSION_TTL_S = 7 * 24 * 3600
ACCOUNT_DISABLED = "this account is disabled; ask head office"


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    refresh_token: str
    user: UserRecord


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _principal(user: UserRecord, sid: str) -> Principal:
    return Principal(
        username=user.username,
        role=user.role,
        store_id=user.store_id,
        customer_id=user.customer_id,
        sid=sid,
    )


async def check_password(users: UserRepository, username: str, password: str) -> UserRecord:
    """The account if the password is right and the account not disabled (its hash upgraded
    if of an older scheme or cost); Unauthenticated otherwise. Unknown users cost the same
    time as known ones; only the right password learns that an account is disabled."""
    user = await users.get(normalise_username(username))
    stored = user.password_hash if user else users.passwords.dummy_hash
    # Deliberately slow hashing: keep it off the event loop.
    ok, upgraded = await asyncio.to_thread(users.passwords.verify_and_update, password, stored)
    if user is None or not ok:
        raise Unauthenticated("wrong username or password")
    if user.disabled:
        raise Unauthenticated(ACCOUNT_DISABLED)
    if upgraded is not None:
        await users.set_password_hash(user.username, upgraded)
        log.info("upgraded a password hash", extra={"fields": {"username": user.username}})
    return user


async def sign_in(
    users: UserRepository,
    username: str,
    password: str,
    *,
    secret: str,
    ttl_s: int,
    session_ttl_s: int = DEFAULT_SESSION_TTL_S,
) -> SignedIn:
    """A new session: a short-lived access token and the refresh token that renews it."""
    user = await check_password(users, username, password)
    sid = str(uuid.uuid4())
    refresh_secret = secrets.token_urlsafe(32)
    await users.open_session(
        SessionRecord(
            sid=sid,
            username=user.username,
            refresh_hash=_digest(refresh_secret),
            expires_at=utcnow() + timedelta(seconds=session_ttl_s),
            revoked_at=None,
        )
    )
    token = create_access_token(_principal(user, sid), secret=secret, ttl_s=ttl_s)
    return SignedIn(access_token=token, refresh_token=f"{sid}.{refresh_secret}", user=user)


async def authenticate(
    users: UserRepository, username: str, password: str, *, secret: str, ttl_s: int
) -> tuple[str, UserRecord]:
    """Sign in for an access token only (the console's cookie session)."""
    signed = await sign_in(users, username, password, secret=secret, ttl_s=ttl_s)
    return signed.access_token, signed.user


async def refresh(
    users: UserRepository, refresh_token: str, *, secret: str, ttl_s: int
) -> SignedIn:
    """New tokens for a live session; the old refresh token stops working. A refresh token
    used twice means it was stolen: the session is revoked."""
    invalid = Unauthenticated("the session has ended; sign in again")
    sid, _, given = refresh_token.partition(".")
    session = await users.get_session(sid) if sid and given else None
    if session is None or not session.active(utcnow()):
        raise invalid
    if not hmac.compare_digest(_digest(given), session.refresh_hash):
        await users.revoke_session(sid)
        log.warning("a refresh token was reused; session revoked", extra={"fields": {"sid": sid}})
        raise invalid
    user = await users.get(session.username)
    if user is None or user.disabled:
        raise invalid
    new_secret = secrets.token_urlsafe(32)
    if not await users.renew_session(sid, session.refresh_hash, _digest(new_secret)):
        raise invalid
    token = create_access_token(_principal(user, sid), secret=secret, ttl_s=ttl_s)
    return SignedIn(access_token=token, refresh_token=f"{sid}.{new_secret}", user=user)


async def sign_out(users: UserRepository, principal: Principal) -> None:
    if principal.sid:
        await users.revoke_session(principal.sid)


async def change_password(
    users: UserRepository, principal: Principal, current: str, new: str
) -> None:
    """Set a new password and end every session of the account, on every replica."""
    try:
        await check_password(users, principal.username, current)
    except Unauthenticated:
        raise InvalidArgument(
            "the password was not changed",
            [FieldError("current_password", "wrong password")],
        ) from None
    ended = await users.change(
        principal.username,
        password_hash=await asyncio.to_thread(users.passwords.hash, new),
        end_sessions=True,
    )
    log.info(
        "password changed; sessions revoked",
        extra={"fields": {"username": principal.username, "sessions": ended}},
    )


async def create_user(
    users: UserRepository,
    *,
    username: str,
    password: str,
    role: Role,
    store_id: str | None,
    customer_id: str | None,
) -> UserRecord:
    username = normalise_username(username)
    if role == "customer" and not customer_id:
        customer_id = username  # a customer is their own customer id unless told otherwise
    password_hash = await asyncio.to_thread(users.passwords.hash, password)
    return await users.add(
        UserRecord(
            username=username,
            password_hash=password_hash,
            role=role,
            store_id=store_id,
            customer_id=customer_id,
            created_at=utcnow(),
        )
    )


async def ensure_hq_user(users: UserRepository, password: str) -> None:
    """The `hq` account always exists and its password is the configured one; a changed
    password ends the account's sessions."""
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
    ok, upgraded = await asyncio.to_thread(
        users.passwords.verify_and_update, password, existing.password_hash
    )
    if ok:
        if upgraded is not None:
            await users.set_password_hash(HQ_USERNAME, upgraded)
        return
    await users.change(
        HQ_USERNAME,
        password_hash=await asyncio.to_thread(users.passwords.hash, password),
        end_sessions=True,
    )
    log.info("updated the hq account's password from CHAINSTORE_HQ_PASSWORD")


async def refuse_demo_accounts(users: UserRepository) -> None:
    """Outside development the demo users, whose passwords are published, must not exist
    (with those passwords): RuntimeError stops the start-up."""
    from gateway.demo_accounts import USERS  # the demo chain's published accounts

    present = []
    for demo in USERS:
        user = await users.get(str(demo["username"]))
        if user is not None and await asyncio.to_thread(
            users.passwords.verify, str(demo["password"]), user.password_hash
        ):
            present.append(user.username)
    if present:
        raise RuntimeError(
            "demo accounts with their published passwords exist outside development: "
            + ", ".join(present)
        )
