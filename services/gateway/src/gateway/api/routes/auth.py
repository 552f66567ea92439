from __future__ import annotations

from fastapi import APIRouter, Request

from chainkit.errors import Unauthenticated
from gateway import accounts
from gateway.api.deps import SettingsDep, StateDep, UsersDep
from gateway.api.problems import documented
from gateway.api.ratelimit import client_address
from gateway.core.security import normalise_username
from gateway.schemas.auth import TokenRequest, TokenResponse

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token", responses=documented(401, 422, 429))
async def issue_token(
    body: TokenRequest, request: Request, users: UsersDep, settings: SettingsDep, state: StateDep
) -> TokenResponse:
    """Sign in. Failed attempts are limited per account and address, per address and per
    account (429 with Retry-After), before the password is even checked."""
    account = normalise_username(body.username)
    address = client_address(request.scope)
    limiter = state.limiter
    if limiter is not None:
        await limiter.before_sign_in(account, address)
    try:
        token, user = await accounts.authenticate(
            users,
            body.username,
            body.password,
            secret=settings.jwt_secret.get_secret_value(),
            ttl_s=settings.token_ttl_s,
        )
    except Unauthenticated:
        if limiter is not None:
            await limiter.failed_sign_in(account, address)
        raise
    if limiter is not None:
        await limiter.succeeded_sign_in(account, address)
    return TokenResponse(access_token=token, expires_in=settings.token_ttl_s, role=user.role)
