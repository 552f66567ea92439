"""Every request's deadline (`GATEWAY_REQUEST_DEADLINE_S`): the gRPC calls made to serve it
never outlive it (chainkit.deadlines shortens each call's own timeout to what is left; a
placement waiting on a shared CreateOrders call waits only until its own). Plain ASGI."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from chainkit import deadlines


class RequestDeadline:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = deadlines.set_within(self.seconds)
        try:
            await self.app(scope, receive, send)
        finally:
            deadlines.reset(token)
