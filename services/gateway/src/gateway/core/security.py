"""Passwords (stdlib scrypt, salted, constant-time compare) and access tokens (JWT HS256).

Pure functions of their inputs: the secret and lifetimes come from Settings via the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

import jwt

from chainkit.errors import Unauthenticated

Role = Literal["customer", "store", "hq"]
ROLES: tuple[Role, ...] = get_args(Role)

# scrypt cost: n=2**14, r=8, p=1 is the interactive-login setting (~16 MiB, tens of ms).
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the access token says."""

    username: str
    role: Role
    store_id: str | None = None
    customer_id: str | None = None


def normalise_username(username: str) -> str:
    """NFKC then case-folded, trimmed: full-width, upper and lower case spellings
    of "alice" are one account, so a
    look-alike of an existing name cannot be created."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key`, so the cost can be raised later without breaking old hashes."""
    salt = os.urandom(_SALT_BYTES)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_KEY_BYTES)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# Verified against when the user does not exist, so that a wrong name costs as much as a
# wrong password and response times do not reveal which accounts exist.
DUMMY_HASH = hash_password("not-a-real-password")


def create_access_token(
    principal: Principal, *, secret: str, ttl_s: int, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": principal.username,
        "role": principal.role,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s),
    }
    if principal.store_id:
        claims["store_id"] = principal.store_id
    if principal.customer_id:
        claims["customer_id"] = principal.customer_id
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> Principal:
    """The caller named by a valid, unexpired token; Unauthenticated otherwise."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "role"]}
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
    return Principal(
        username=sub,
        role=role,
        store_id=store_id if isinstance(store_id, str) else None,
        customer_id=customer_id if isinstance(customer_id, str) else None,
    )
