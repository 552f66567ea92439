from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chainkit.errors import Unauthenticated
from gateway import accounts
from gateway.api.deps import CurrentUser, SettingsDep, StateDep, UsersDep
from gateway.api.problems import documented
from gateway.api.ratelimit import client_address
from gateway.core.security import normalise_username
from gateway.schemas.auth import PasswordChange, RefreshRequest, TokenRequest, TokenResponse

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
        signed = await accounts.sign_in(
            users,
            body.username,
            body.password,
            secret=settings.jwt_secret.get_secret_value(),
            ttl_s=settings.token_ttl_s,
            session_ttl_s=settings.session_ttl_s,
        )
    except Unauthenticated:
        if limiter is not None:
            await limiter.failed_sign_in(account, address)
        raise
    if limiter is not None:
        await limiter.succeeded_sign_in(account, address)
    return _tokens(signed, settings.token_ttl_s)


def _tokens(signed: accounts.SignedIn, ttl_s: int) -> TokenResponse:
    return TokenResponse(
        access_token=signed.access_token,
        expires_in=ttl_s,
        role=signed.user.role,
        refresh_token=signed.refresh_token,
    )


@router.post("/refresh", responses=documented(401, 422))
async def refresh_token(
    body: RefreshRequest, users: UsersDep, settings: SettingsDep
) -> TokenResponse:
    """New tokens for a live session (the refresh token given is spent). A signed-out
    session, a changed password or a refresh token used twice → 401: sign in again."""
    signed = await accounts.refresh(
        users,
        body.refresh_token,
        secret=settings.jwt_secret.get_secret_value(),
        ttl_s=settings.token_ttl_s,
    )
    return _tokens(signed, settings.token_ttl_s)


@router.post("/logout", status_code=204, responses=documented(401))
async def sign_out(user: CurrentUser, users: UsersDep) -> Response:
    """End this session: its access and refresh tokens stop working on every replica."""
    await accounts.sign_out(users, user)
    return Response(status_code=204)


@router.post("/password", status_code=204, responses=documented(401, 422))
async def change_password(body: PasswordChange, user: CurrentUser, users: UsersDep) -> Response:
    """Change one's own password; every session of the account ends (sign in again)."""
    await accounts.change_password(users, user, body.current_password, body.new_password)
    return Response(status_code=204)
