"""The browser session: cookie in, principal out; CSRF tokens; where each role lands.

The cookie `chainstore_session` holds the API's own access token (HttpOnly, so page
scripts never see it). Pages depend on `PageUser` / `CustomerPage` / ...; an API route
reached from a page authenticates the same cookie through `api.deps.current_user`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from chainkit.errors import Unauthenticated
from gateway.api.deps import (
    SESSION_COOKIE,
    SettingsDep,
    check_csrf,
    csrf_token_for,
)
from gateway.core.config import Settings
from gateway.core.security import Principal, Role, decode_access_token

HOME: dict[Role, str] = {"hq": "/dashboard", "store": "/store", "customer": "/my/orders"}
# Sign-in form's own CSRF: a random nonce cookie and an HMAC of it in the form.
SIGNIN_NONCE_COOKIE = "chainstore_signin"


class PageRedirect(Exception):
    """Leave this page for `location` (sign-in, or the role's own home)."""

    def __init__(self, location: str, *, clear_session: bool = False) -> None:
        super().__init__(location)
        self.location = location
        self.clear_session = clear_session


def home_of(role: Role) -> str:
    return HOME[role]


def safe_next(value: str | None) -> str | None:
    """A local path to return to after sign-in; None for anything that could leave the site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def secret_of(settings: Settings) -> str:
    return settings.jwt_secret.get_secret_value()


def session_csrf(request: Request, settings: Settings) -> str:
    """The CSRF token of the request's session, for forms and the `X-CSRF-Token` header."""
    token = request.cookies.get(SESSION_COOKIE)
    return csrf_token_for(token, secret_of(settings)) if token else ""


def set_session(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=not settings.is_development,
    )


def clear_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=not settings.is_development,
    )


def new_signin_nonce() -> str:
    return secrets.token_urlsafe(24)


def signin_csrf(nonce: str, settings: Settings) -> str:
    return hmac.new(
        secret_of(settings).encode(), b"signin:" + nonce.encode(), hashlib.sha256
    ).hexdigest()


def signin_csrf_ok(nonce: str | None, given: str | None, settings: Settings) -> bool:
    if not nonce or not given:
        return False
    return hmac.compare_digest(given, signin_csrf(nonce, settings))


def _back_to_signin(request: Request, *, expired: bool) -> PageRedirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = f"next={quote(target, safe='/')}" + ("&expired=1" if expired else "")
    return PageRedirect(f"/?{query}", clear_session=expired)


async def page_user(request: Request, settings: SettingsDep) -> Principal:
    """The signed-in principal of a page; back to sign-in when there is none or it expired.
    Unsafe methods must carry the session's CSRF token (403 otherwise)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _back_to_signin(request, expired=False)
    try:
        principal = decode_access_token(token, secret=secret_of(settings))
    except Unauthenticated:
        raise _back_to_signin(request, expired=True) from None
    await check_csrf(request, token, secret_of(settings))
    return principal


PageUser = Annotated[Principal, Depends(page_user)]


async def maybe_user(request: Request, settings: SettingsDep) -> Principal | None:
    """The signed-in principal on a public page (for its header), None otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return decode_access_token(token, secret=secret_of(settings))
    except Unauthenticated:
        return None


MaybeUser = Annotated[Principal | None, Depends(maybe_user)]


def page_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A page for these roles only: anyone else is sent to their own home (never shown it)."""

    async def check(user: PageUser) -> Principal:
        if user.role not in roles:
            raise PageRedirect(home_of(user.role))
        return user

    return check


CustomerPage = Annotated[Principal, Depends(page_role("customer"))]
StorePage = Annotated[Principal, Depends(page_role("store"))]
HqPage = Annotated[Principal, Depends(page_role("hq"))]
