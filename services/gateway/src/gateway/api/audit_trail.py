"""Records every change made by store staff or head office, after it is answered.

Plain ASGI around the app: it sees the route the router matched and the status sent, reads
the caller from the same bearer token or console cookie the app authenticated, and writes
one `gw_audit` row off the response's path (a failed write is logged, never answered).
Customers' changes are theirs and are not recorded; bodies never are.
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainkit.clock import utcnow
from chainkit.errors import Unauthenticated
from chainkit.logging import correlation_id
from gateway.adapters.audit import AuditEntry
from gateway.api.deps import SAFE_METHODS, AppState
from gateway.api.ratelimit import client_address, credential_of
from gateway.core.security import Principal

log = logging.getLogger(__name__)
AUDITED_ROLES = frozenset({"store", "hq"})


class AuditTrailMiddleware:
    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, remember_status)
        if status == 401:
            return
        principal = self._principal(Headers(scope=scope))
        if principal is None or principal.role not in AUDITED_ROLES:
            return
        await self._record(scope, principal, status)

    def _principal(self, headers: Headers) -> Principal | None:
        credential = credential_of(headers)
        if credential is None:
            return None
        try:
            return self.state.tokens.principal(credential)  # verified already by the route
        except Unauthenticated:
            return None

    async def _record(self, scope: Scope, principal: Principal, status: int) -> None:
        audit = self.state.audit
        if audit is None:
            return
        headers = Headers(scope=scope)
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        try:
            await audit.record(
                AuditEntry(
                    at=utcnow(),
                    username=principal.username,
                    role=principal.role,
                    store_id=principal.store_id,
                    action=f"{scope['method']} {route}",
                    path=scope["path"],
                    status=status,
                    address=client_address(scope),
                    idempotency_key=headers.get("idempotency-key"),
                    correlation_id=correlation_id.get() or None,
                )
            )
        except Exception:
            log.exception("could not write an audit record")
