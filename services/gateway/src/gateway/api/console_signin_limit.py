"""The console's sign-in form (`POST /`) under the same sign-in limits as the API's.

The form is read here (it is small and url-encoded) for the account's name, then handed to
the page unchanged. A 401 answer is a failed attempt, a redirect a success (the owner's own
typos from that address are forgiven), exactly as `POST /v1/auth/token` counts them.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problems import problem
from gateway.api.ratelimit import RateLimited, RateLimiter, client_address, too_many
from gateway.core.security import normalise_username

SIGNIN_PATH = "/"
MAX_FORM_BYTES = 64 * 1024


class ConsoleSignInLimit:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != SIGNIN_PATH
            or not self.limiter.enabled
        ):
            await self.app(scope, receive, send)
            return
        body, replay = await _buffer(receive)
        if body is None:
            response = problem(413, "the request body is too large")
            await response(scope, receive, send)
            return
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20)
        account = normalise_username((fields.get("username") or [""])[0])
        address = client_address(scope)
        try:
            await self.limiter.before_sign_in(account, address)
        except RateLimited as e:
            response = too_many(e, Headers(scope=scope).get("accept-language"))
            await response(scope, receive, send)
            return
        status = 500

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay, remember)
        if status == 401:
            await self.limiter.failed_sign_in(account, address)
        elif status in (302, 303):
            await self.limiter.succeeded_sign_in(account, address)


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole (small) body, and a `receive` that hands it to the app again; None for a
    body larger than any sign-in form."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, receive
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
