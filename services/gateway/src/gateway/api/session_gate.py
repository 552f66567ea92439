"""The console's cookie session follows the same session rules as the API's tokens.

- A cookie whose session has ended (signed out anywhere, password changed) is dropped from
  the request before the pages see it, so they treat the browser as signed out.
- Signing out on the console (`POST /logout`, answered with a redirect) ends the session
  itself, not only the cookie: its tokens stop working on every replica.

The API's own check is in `gateway.api.deps.current_user`; this covers the pages, which
read the cookie themselves.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainkit.errors import Unauthenticated
from gateway.api.deps import SESSION_COOKIE, AppState
from gateway.core.security import Principal

LOGOUT_PATH = "/logout"


class SessionGate:
    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        principal = self._cookie_principal(Headers(scope=scope))
        users = self.state.users
        if principal is None or principal.sid is None or users is None:
            await self.app(scope, receive, send)
            return
        if not await users.session_active(principal.sid):
            scope = {**scope, "headers": _without_session_cookie(scope["headers"])}
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST" or scope["path"] != LOGOUT_PATH:
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, remember)
        if status in (302, 303):  # the page accepted the sign-out (CSRF-checked)
            await users.revoke_session(principal.sid)

    def _cookie_principal(self, headers: Headers) -> Principal | None:
        token = _cookie(headers, SESSION_COOKIE)
        if not token:
            return None
        try:
            return self.state.tokens.principal(token)
        except Unauthenticated:
            return None


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _without_session_cookie(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    kept = []
    for name, value in raw:
        if name.lower() == b"cookie":
            parts = [
                p
                for p in value.decode("latin-1").split(";")
                if p.strip().partition("=")[0] != SESSION_COOKIE
            ]
            value = ";".join(parts).strip().encode("latin-1")
            if not value:
                continue
        kept.append((name, value))
    return kept
