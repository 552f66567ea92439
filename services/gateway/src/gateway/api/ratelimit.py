"""Rate limits on the `limits` library (moving windows), in process by default and shared
by every gateway replica when `GATEWAY_REDIS_URL` is set.

- every request: a budget per client address and per credential (bearer token or console
  session cookie), and the carrier webhook a budget per carrier;
- sign-in: failed attempts per account and address (a guesser is stopped, the owner typing
  from elsewhere is not), per address (one guesser trying many names) and per account
  across addresses (a spread-out guesser; it never locks the owner out of an address they
  signed in from in the last 30 days), checked before the password is.

Over a limit → 429 problem+json with `Retry-After`. If the shared store fails, requests are
let through (logged): a rate-limit store outage must not take the API down with it. Without a
shared store the per-request budgets are kept by `LocalMovingWindow` (same rule, cheaper).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.deps import SESSION_COOKIE
from gateway.api.local_window import LocalMovingWindow
from gateway.api.problem_text import language
from gateway.api.problems import problem
from gateway.core.config import Settings

log = logging.getLogger(__name__)

# An address the account signed in from lately: the account-wide budget (a spread-out
# guesser) never locks its owner out there; only their own per-address budget applies.
KNOWN_ADDRESS = parse("1000000/30 days")
# Probes and scrapes are never limited (an orchestrator must always reach them).
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_CARRIER_PUSH = re.compile(r"^/v1/carriers/([^/]{1,64})/events$")


class RateLimited(Exception):
    """Over a limit: answered 429 with `Retry-After: retry_after_s`."""

    def __init__(self, retry_after_s: int, detail: str) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    per_address: RateLimitItem
    per_token: RateLimitItem
    per_carrier: RateLimitItem
    signin_per_account_address: RateLimitItem
    signin_per_address: RateLimitItem
    signin_per_account: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            per_address=parse(settings.rate_limit_per_address),
            per_token=parse(settings.rate_limit_per_token),
            per_carrier=parse(settings.rate_limit_carrier_webhook),
            signin_per_account_address=parse(settings.rate_limit_signin_per_account_address),
            signin_per_address=parse(settings.rate_limit_signin_per_address),
            signin_per_account=parse(settings.rate_limit_signin_per_account),
        )


def storage_for(redis_url: str | None) -> Storage:
    if not redis_url:
        storage = storage_from_string("async+memory://")
    else:  # redis://host:port/db → the async redis-py client of limits
        storage = storage_from_string(f"async+{redis_url}", implementation="redispy")
    assert isinstance(storage, Storage)
    return storage


def credential_key(raw: str) -> str:
    """A token is never stored as is: its digest keys the budget."""
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class RateLimiter:
    """The gateway's limits over one storage; every check is a single `hit` per key."""

    def __init__(
        self, limits: Limits, storage: Storage, *, enabled: bool = True, local: bool = False
    ) -> None:
        """`local`: the per-request budgets (`hit`) are this process's own, kept by a
        LocalMovingWindow instead of `storage` (which still keeps the sign-in budgets)."""
        self.limits = limits
        self.enabled = enabled
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._known = FixedWindowRateLimiter(storage)
        self._local = LocalMovingWindow() if local else None

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            Limits.from_settings(settings),
            storage_for(settings.redis_url),
            enabled=settings.rate_limits_enabled,
            local=not settings.redis_url,
        )

    async def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        stats = await self._limiter.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, item: RateLimitItem, *key: str, detail: str) -> None:
        """Count one request against `item` for `key`; RateLimited when it is spent."""
        if not self.enabled:
            return
        if self._local is not None:
            wait_s = self._local.hit(item, *key)
            if wait_s is None:
                return
            raise RateLimited(max(1, math.ceil(wait_s)), detail)
        try:
            if await self._limiter.hit(item, *key):
                return
            retry_after = await self._retry_after(item, *key)
        except Exception:  # the store is down: fail open, loudly
            log.warning("rate-limit store failed; letting the request through", exc_info=True)
            return
        raise RateLimited(retry_after, detail)

    async def request(self, address: str, credential: str | None, carrier: str | None) -> None:
        detail = "too many requests; try again later"
        await self.hit(self.limits.per_address, "addr", address, detail=detail)
        if credential:
            await self.hit(
                self.limits.per_token, "token", credential_key(credential), detail=detail
            )
        if carrier:
            await self.hit(self.limits.per_carrier, "carrier", carrier, detail=detail)

    def _signin_keys(self, account: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (self.limits.signin_per_account_address, "signin-acct-addr", f"{account}|{address}"),
            (self.limits.signin_per_address, "signin-addr", address),
            (self.limits.signin_per_account, "signin-acct", account),
        ]

    async def before_sign_in(self, account: str, address: str) -> None:
        """RateLimited if any sign-in budget of this account or address is spent."""
        if not self.enabled:
            return
        for item, kind, key in self._signin_keys(account, address):
            try:
                if await self._limiter.test(item, kind, key):
                    continue
                if kind == "signin-acct" and await self._known_address(account, address):
                    continue
                retry_after = await self._retry_after(item, kind, key)
            except Exception:
                log.warning("rate-limit store failed; letting the sign-in through", exc_info=True)
                return
            raise RateLimited(retry_after, "too many sign-in attempts; try again later")

    async def failed_sign_in(self, account: str, address: str) -> None:
        if not self.enabled:
            return
        try:
            for item, kind, key in self._signin_keys(account, address):
                await self._limiter.hit(item, kind, key)
        except Exception:
            log.warning("rate-limit store failed to count a failed sign-in", exc_info=True)

    async def succeeded_sign_in(self, account: str, address: str) -> None:
        """The owner got in from here: their own typos from this address are forgiven."""
        if not self.enabled:
            return
        item, kind, key = self._signin_keys(account, address)[0]
        try:
            await self._limiter.clear(item, kind, key)
            await self._known.hit(KNOWN_ADDRESS, "signin-known", f"{account}|{address}")
        except Exception:
            log.warning("rate-limit store failed to clear a sign-in budget", exc_info=True)

    async def _known_address(self, account: str, address: str) -> bool:
        stats = await self._known.get_window_stats(
            KNOWN_ADDRESS, "signin-known", f"{account}|{address}"
        )
        return stats.remaining < KNOWN_ADDRESS.amount


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Counts every HTTP request before routing; answers 429 without calling the app."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS or not self.limiter.enabled:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        credential = credential_of(headers)
        push = _CARRIER_PUSH.match(scope["path"]) if scope["method"] == "POST" else None
        try:
            await self.limiter.request(
                client_address(scope), credential, push.group(1) if push else None
            )
        except RateLimited as e:
            response = too_many(e, headers.get("accept-language"))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def credential_of(headers: Headers) -> str | None:
    """The bearer token, else the console session cookie."""
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer " and len(authorization) > 7:
        return authorization[7:].strip()
    cookie = headers.get("cookie", "")
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


def too_many(error: RateLimited, accept_language: str | None) -> JSONResponse:
    return problem(
        429,
        error.detail,
        headers={"Retry-After": str(error.retry_after_s)},
        lang=language(accept_language),
    )


async def on_rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return too_many(exc, request.headers.get("accept-language"))


def install(app: FastAPI, limiter: RateLimiter) -> None:
    """Every request through the limiter; sign-in raises RateLimited from its route."""
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    app.add_exception_handler(RateLimited, on_rate_limited)
