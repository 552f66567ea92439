"""Request bodies have a size limit: a declared Content-Length over it is refused at once,
and a body streamed without one is cut off as soon as it passes the limit (413 either way).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problem_text import language
from gateway.api.problems import problem

DETAIL = "the request body is too large"
# Set on the scope when a streamed body passed the limit: FastAPI turns any error while it
# reads a body into "error parsing the body", and the problem handler answers 413 instead.
TOO_LARGE_FLAG = "chainstore.body_too_large"


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(headers, scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    scope[TOO_LARGE_FLAG] = True
                    raise BodyTooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(headers, scope, receive, send)

    async def _refuse(self, headers: Headers, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            DETAIL,
            headers={"Connection": "close"},
            lang=language(headers.get("accept-language")),
        )
        await response(scope, receive, send)
