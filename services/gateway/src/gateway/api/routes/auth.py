from __future__ import annotations

from fastapi import APIRouter

from gateway import accounts
from gateway.api.deps import SettingsDep, UsersDep
from gateway.api.problems import documented
from gateway.schemas.auth import TokenRequest, TokenResponse

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token", responses=documented(401, 422))
async def issue_token(body: TokenRequest, users: UsersDep, settings: SettingsDep) -> TokenResponse:
    token, user = await accounts.authenticate(
        users,
        body.username,
        body.password,
        secret=settings.jwt_secret.get_secret_value(),
        ttl_s=settings.token_ttl_s,
    )
    return TokenResponse(access_token=token, expires_in=settings.token_ttl_s, role=user.role)
