"""Where /metrics is served. On the public port only in development (make run, tests);
elsewhere on its own port (9464 unless GATEWAY_METRICS_PORT says), which a network policy
can keep to Prometheus, while the public port answers 404 there."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

import prometheus_client
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.problem_text import language
from gateway.api.problems import problem
from gateway.core.config import Settings

METRICS_PATH = "/metrics"
DEFAULT_METRICS_PORT = 9464


def separate_port(settings: Settings) -> int | None:
    """The port of the metrics listener, or None when /metrics stays on the public port."""
    if settings.metrics_port is None:
        return None if settings.is_development else DEFAULT_METRICS_PORT
    return settings.metrics_port


class HidePublicMetrics:
    """The public app answers 404 at /metrics (metrics live on their own port)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == METRICS_PATH:
            lang = language(dict(scope["headers"]).get(b"accept-language", b"").decode())
            response = problem(404, f"no resource at {METRICS_PATH}", lang=lang)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def start_listener(settings: Settings) -> WSGIServer | None:
    port = separate_port(settings)
    if port is None:
        return None
    server, _thread = prometheus_client.start_http_server(port, addr=settings.host)
    return server
