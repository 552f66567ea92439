"""Correlation ids, each request's deadline, request metrics and the access log, as plain
ASGI (no per-request task or thread hop).

The deadline (`GATEWAY_REQUEST_DEADLINE_S`): the gRPC calls made to serve a request never
outlive it (chainkit.deadlines shortens each call's own timeout to what is left; a placement
waiting on a shared CreateOrders call waits only until its own).

The access log (`GATEWAY_ACCESS_LOG=true`, off by default) writes one JSON line per request
on the `gateway.access` logger with method, route template, status and duration, and the
correlation id and trace id the JSON formatter adds (chainkit.logging)."""

from __future__ import annotations

import logging
import re
import time
import uuid

import prometheus_client
from prometheus_client.metrics import Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainkit import deadlines
from chainkit.logging import correlation_id

access_log = logging.getLogger("gateway.access")
CORRELATION_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# OpenTelemetry's name for it; `route` is the route template (a raw path has no bound).
HTTP_SECONDS = prometheus_client.Histogram(
    "http_server_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
)
_children: dict[tuple[str, str, int], Histogram] = {}
# A client may send any method name: others are one label value, not one each.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _histogram(method: str, route: str, status: int) -> Histogram:
    """The child for these labels, kept: a dict look-up per request, not a `.labels` call."""
    key = (method if method in _METHODS else "other", route, status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = HTTP_SECONDS.labels(key[0], route, str(status))
    return child


class ObservabilityMiddleware:
    def __init__(
        self, app: ASGIApp, *, deadline_s: float | None = None, access_log: bool = False
    ) -> None:
        self.app = app
        self.deadline_s = deadline_s
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(CORRELATION_HEADER, "")
        # A client's id is kept only if it is safe to write into logs.
        cid = given if _SAFE_ID.match(given) else str(uuid.uuid4())
        token = correlation_id.set(cid)
        deadline = deadlines.set_within(self.deadline_s)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(CORRELATION_HEADER, cid)
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            # The route template, not the raw path: label values must stay few.
            template = getattr(route, "path", "unmatched")
            seconds = time.perf_counter() - started
            _histogram(scope["method"], template, status).observe(seconds)
            if self.access_log:
                fields = {
                    "method": scope["method"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                }
                access_log.info(
                    "%s %s %d", scope["method"], template, status, extra={"fields": fields}
                )
            deadlines.reset(deadline)
            correlation_id.reset(token)
