"""Access tokens (JWT HS256) and who they name. Passwords live in gateway.core.passwords.

Tokens are short-lived, carry `iss` and `aud` (both checked), the signing key's `kid` in
their header and the session id (`sid`) they belong to, so signing out or changing the
password revokes them. `GATEWAY_JWT_SECRET` may hold several keys separated by spaces:
the first signs, every one verifies the tokens signed with it (found by `kid`), so a key is
rotated by putting a new one first and dropping the old one after a token lifetime.
Pure functions of their inputs: the keys and lifetimes come from Settings via the caller.
`VerifiedTokens` remembers tokens it has verified, so a token is checked in full once and
only its expiry on every later use.
"""

from __future__ import annotations

import functools
import hashlib
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

import jwt

from chainkit.clock import utcnow
from chainkit.errors import Unauthenticated

Role = Literal["customer", "store", "hq"]
ROLES: tuple[Role, ...] = get_args(Role)

_ALGORITHM = "HS256"
ISSUER = "chainstore-gateway"
AUDIENCE = "chainstore-api"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the access token says."""

    username: str
    role: Role
    store_id: str | None = None
    customer_id: str | None = None
    # The session the token belongs to (None only for tokens minted outside a sign-in).
    sid: str | None = None


def normalise_username(username: str) -> str:
    """NFKC then case-folded, trimmed: full-width, upper and lower case spellings
    of "alice" are one account, so a
    look-alike of an existing name cannot be created."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


def key_id(key: str) -> str:
    """A key's `kid`: a short fingerprint, so no name has to be configured beside it."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def keyring(secret: str) -> list[str]:
    """The configured keys, signing key first (space-separated in the setting)."""
    keys = secret.split()
    return keys or [secret]


def create_access_token(
    principal: Principal,
    *,
    secret: str,
    ttl_s: int,
    now: datetime | None = None,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> str:
    issued = now or utcnow()
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": principal.username,
        "role": principal.role,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s),
    }
    if principal.store_id:
        claims["store_id"] = principal.store_id
    if principal.customer_id:
        claims["customer_id"] = principal.customer_id
    if principal.sid:
        claims["sid"] = principal.sid
    signing = keyring(secret)[0]
    return jwt.encode(claims, signing, algorithm=_ALGORITHM, headers={"kid": key_id(signing)})


@functools.lru_cache(maxsize=8)
def _keys_by_id(secret: str) -> dict[str, str]:
    return {key_id(key): key for key in keyring(secret)}


def _verification_key(token: str, secret: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise Unauthenticated("the access token is invalid") from None
    keys = _keys_by_id(secret)
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise Unauthenticated("the access token is invalid")
    return keys[kid]


def decode_access_token(
    token: str, *, secret: str, issuer: str = ISSUER, audience: str = AUDIENCE
) -> Principal:
    """The caller named by a valid, unexpired token; Unauthenticated otherwise (unknown
    `kid`, wrong key, `alg` other than HS256 — `none` included —, wrong `iss` or `aud`)."""
    return _decode(token, secret=secret, issuer=issuer, audience=audience)[0]


def _decode(token: str, *, secret: str, issuer: str, audience: str) -> tuple[Principal, int]:
    """The token's caller and its `exp` (seconds since the epoch)."""
    key = _verification_key(token, secret)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the access token has expired") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("the access token is invalid") from None
    role = claims.get("role")
    sub = claims.get("sub")
    if role not in ROLES or not isinstance(sub, str):
        raise Unauthenticated("the access token is invalid")
    store_id = claims.get("store_id")
    customer_id = claims.get("customer_id")
    sid = claims.get("sid")
    principal = Principal(
        username=sub,
        role=role,
        store_id=store_id if isinstance(store_id, str) else None,
        customer_id=customer_id if isinstance(customer_id, str) else None,
        sid=sid if isinstance(sid, str) else None,
    )
    return principal, int(claims["exp"])  # PyJWT checked it is an integer


class VerifiedTokens:
    """`decode_access_token` with a memory: a token that passed every check is kept by its
    exact string, so its signature, header and claims are not checked again; its expiry is
    checked on every use. Only valid tokens enter (forged ones cannot fill it), at most
    `max_entries` of them, the least recently used leaving first. Keys are fixed for the
    process (a rotation restarts it), so a kept token stays verified."""

    def __init__(
        self,
        secret: str,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
    ) -> None:
        self._secret = secret
        self._max_entries = max_entries
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._kept: OrderedDict[str, tuple[Principal, int]] = OrderedDict()

    def principal(self, token: str) -> Principal:
        kept = self._kept.get(token)
        if kept is None:
            kept = _decode(token, secret=self._secret, issuer=self._issuer, audience=self._audience)
            self._kept[token] = kept
            if len(self._kept) > self._max_entries:
                self._kept.popitem(last=False)
        principal, expires = kept
        if expires <= self._clock():  # as PyJWT: expired at `exp` itself
            self._kept.pop(token, None)
            raise Unauthenticated("the access token has expired")
        self._kept.move_to_end(token)
        return principal

    def __len__(self) -> int:
        return len(self._kept)
