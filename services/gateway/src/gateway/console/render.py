"""Rendering a page: the Jinja2 environment, what every template can use, safe headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from gateway.console.i18n import LANG_COOKIE, Translator, local_time, money, parse_lang
from gateway.console.session import HOME, session_csrf
from gateway.core.config import Settings
from gateway.core.security import Principal

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.undefined = StrictUndefined  # a misspelt variable fails the test, not the page
TEMPLATES.env.globals.update(money=money, local_time=local_time)

# Pages hold personal data (never cached), load only our own files (no inline script: data
# reaches scripts through data-* attributes), and are never framed.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.gateway.settings
    return settings


def translator(request: Request) -> Translator:
    return Translator(parse_lang(request.cookies.get(LANG_COOKIE)))


def is_htmx(request: Request) -> bool:
    """An htmx request wants only the fragment it swaps in (not during history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    name: str,
    *,
    user: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A template with `t` (strings), `lang`, `user`, `csrf_token`, `home`, `path`, `money`
    and `local_time` in reach, plus the page's own context."""
    t = translator(request)
    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": t.lang,
            "user": user,
            "csrf_token": session_csrf(request, settings_of(request)) if user else "",
            "home": HOME[user.role] if user else "/",
            "path": request.url.path,
            "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    return response
