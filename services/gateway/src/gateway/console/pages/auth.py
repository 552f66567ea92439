"""Sign-in (`GET/POST /`) for every role, sign-out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainkit.errors import Unauthenticated
from gateway import accounts
from gateway.api.deps import SESSION_COOKIE, SettingsDep, UsersDep
from gateway.console.i18n import LANG_COOKIE, parse_lang
from gateway.console.render import render
from gateway.console.session import (
    SIGNIN_NONCE_COOKIE,
    PageUser,
    clear_session,
    home_of,
    new_signin_nonce,
    safe_next,
    secret_of,
    set_session,
    signin_csrf,
    signin_csrf_ok,
)
from gateway.core.config import Settings
from gateway.core.security import decode_access_token

router = APIRouter(include_in_schema=False)

NextQuery = Annotated[str | None, Query(alias="next", max_length=500)]
FormText = Annotated[str, Form(max_length=200)]


def _signin_page(
    request: Request,
    settings: Settings,
    *,
    next_path: str | None,
    notice: str = "",
    error: str = "",
    username: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    nonce = new_signin_nonce()
    response = render(
        request,
        "auth/signin.html",
        user=None,
        status_code=status_code,
        signin_token=signin_csrf(nonce, settings),
        next_path=next_path or "",
        notice=notice,
        error=error,
        username=username,
    )
    response.set_cookie(
        SIGNIN_NONCE_COOKIE,
        nonce,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=not settings.is_development,
    )
    return response


@router.get("/")
async def signin_form(
    request: Request,
    settings: SettingsDep,
    next_: NextQuery = None,
    expired: bool = False,
    signed_out: bool = False,
) -> Response:
    """The sign-in page; someone already signed in goes straight to their home."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and not expired:
        try:
            user = decode_access_token(token, secret=secret_of(settings))
        except Unauthenticated:
            pass
        else:
            return RedirectResponse(safe_next(next_) or home_of(user.role), status_code=303)
    notice = "signin.expired" if expired else "signin.signed_out" if signed_out else ""
    response = _signin_page(request, settings, next_path=safe_next(next_), notice=notice)
    if expired:
        clear_session(response, settings)
    return response


@router.post("/")
async def signin(
    request: Request,
    settings: SettingsDep,
    users: UsersDep,
    username: FormText,
    password: FormText,
    signin_token: Annotated[str, Form(max_length=200)] = "",
    next_: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    next_path = safe_next(next_)
    if not signin_csrf_ok(request.cookies.get(SIGNIN_NONCE_COOKIE), signin_token, settings):
        return _signin_page(
            request,
            settings,
            next_path=next_path,
            error="signin.stale_form",
            username=username,
            status_code=403,
        )
    try:
        token, user = await accounts.authenticate(
            users,
            username.strip(),
            password,
            secret=secret_of(settings),
            ttl_s=settings.token_ttl_s,
        )
    except Unauthenticated:
        return _signin_page(
            request,
            settings,
            next_path=next_path,
            error="signin.wrong",
            username=username,
            status_code=401,
        )
    response = RedirectResponse(next_path or home_of(user.role), status_code=303)
    set_session(response, token, settings)
    response.delete_cookie(SIGNIN_NONCE_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(_user: PageUser, settings: SettingsDep) -> Response:
    """Sign out (CSRF-checked like every change): the cookie is dropped."""
    response = RedirectResponse("/?signed_out=1", status_code=303)
    clear_session(response, settings)
    return response


@router.get("/lang/{code}")
async def switch_language(code: str, next_: NextQuery = None) -> Response:
    """Remember the language in a cookie and go back to the page the switch was on."""
    response = RedirectResponse(safe_next(next_) or "/", status_code=303)
    response.set_cookie(
        LANG_COOKIE, parse_lang(code), max_age=365 * 24 * 3600, path="/", samesite="lax"
    )
    return response
