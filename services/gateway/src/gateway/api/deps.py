"""Dependencies as `Annotated` aliases, so route signatures read like types."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chainkit.errors import PermissionDenied, Unauthenticated, Unavailable
from gateway.adapters.audit import AuditRepository
from gateway.adapters.grpc_clients import (
    InventoryClient,
    LogisticsClient,
    OrdersClient,
    ServiceClients,
)
from gateway.adapters.users import UserRepository
from gateway.api.problems import answers
from gateway.core.config import Settings
from gateway.core.security import Principal, Role, VerifiedTokens
from gateway.feed_runtime import FeedRuntime

if TYPE_CHECKING:
    from gateway.api.ratelimit import RateLimiter


@dataclass
class AppState:
    """What the lifespan opens; routes reach it through the dependencies below."""

    settings: Settings
    clients: ServiceClients | None = None
    users: UserRepository | None = None
    feed: FeedRuntime | None = None
    limiter: RateLimiter | None = None
    audit: AuditRepository | None = None
    # Every part of the gateway that reads a token asks this one: verified once per token.
    tokens: VerifiedTokens = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = VerifiedTokens(self.settings.jwt_secret.get_secret_value())


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.gateway
    return state


async def get_state(request: Request) -> AppState:
    return state_of(request)


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


@answers(502, 503, 504)
async def get_clients(state: StateDep) -> ServiceClients:
    if state.clients is None:
        raise Unavailable("the gateway is starting")
    return state.clients


@answers(503)
async def get_users(state: StateDep) -> UserRepository:
    if state.users is None:
        raise Unavailable("the gateway is starting")
    return state.users


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
UsersDep = Annotated[UserRepository, Depends(get_users)]


def _clients(request: Request) -> ServiceClients:
    clients = state_of(request).clients
    if clients is None:
        raise Unavailable("the gateway is starting")
    return clients


# The per-service clients and `current_user` read the state from the request, not through
# StateDep: every dependency FastAPI solves costs on every request, and these are on all.
@answers(502, 503, 504)
async def get_inventory(request: Request) -> InventoryClient:
    return _clients(request).inventory


@answers(502, 503, 504)
async def get_orders(request: Request) -> OrdersClient:
    return _clients(request).orders


@answers(502, 503, 504)
async def get_logistics(request: Request) -> LogisticsClient:
    return _clients(request).logistics


InventoryDep = Annotated[InventoryClient, Depends(get_inventory)]
OrdersDep = Annotated[OrdersClient, Depends(get_orders)]
LogisticsDep = Annotated[LogisticsClient, Depends(get_logistics)]

bearer = HTTPBearer(auto_error=False, description="an access token from POST /v1/auth/token")

# The browser console's session: the same access token, in an HttpOnly SameSite cookie.
SESSION_COOKIE = "chainstore_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_token: str, secret: str) -> str:
    """The CSRF token of a session: an HMAC of its access token, so no server state is kept
    and a page of another site (which cannot read the cookie) cannot compute it."""
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request, session_token: str, secret: str) -> None:
    """Unsafe methods authenticated by the session cookie must echo its CSRF token in the
    `X-CSRF-Token` header or a `csrf_token` form field; PermissionDenied otherwise."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)  # cached: the route can read it again
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, csrf_token_for(session_token, secret)):
        raise PermissionDenied("a change made with the session cookie needs its CSRF token")


@answers(401)
async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The bearer token's caller; without one, the console session cookie's (CSRF-checked)."""
    state = state_of(request)
    if credentials is not None:
        principal = state.tokens.principal(credentials.credentials)
    else:
        session = request.cookies.get(SESSION_COOKIE)
        if not session:
            raise Unauthenticated("an Authorization: Bearer token is required")
        principal = state.tokens.principal(session)
        await check_csrf(request, session, state.settings.jwt_secret.get_secret_value())
    await require_live_session(state, principal)
    return principal


async def require_live_session(state: AppState, principal: Principal) -> None:
    """A token of a signed-out session (or one ended by a password change) is refused on
    every replica: the session lives in the shared database."""
    if principal.sid is None:
        return
    if state.users is None:
        raise Unavailable("the gateway is starting")
    if not await state.users.session_active(principal.sid):
        raise Unauthenticated("the session has ended; sign in again")


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise PermissionDenied(f"role {user.role!r} may not do this")
        return user

    return answers(401, 403)(check)


HqUser = Annotated[Principal, Depends(require_role("hq"))]
StaffUser = Annotated[Principal, Depends(require_role("hq", "store"))]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="a retry with the same key and body returns the original response",
    ),
]

LimitQuery = Annotated[int, Query(ge=1, le=200, description="page size (max 200)")]
CursorQuery = Annotated[
    str | None, Query(max_length=500, description="next_cursor of the previous page")
]
