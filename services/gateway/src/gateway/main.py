"""Composition root: `create_app(settings, clients)` wires the gateway; `run()` serves it."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from chainkit import tracing
from chainkit.db import create_engine, session_factory
from chainkit.logging import configure_logging
from chainkit.metrics_refresh import refresh_forever
from chainkit.migrations import upgrade_async
from chainkit.runtime import tune_gc_for_serving
from gateway import apidocs, console
from gateway.accounts import ensure_hq_user, refuse_demo_accounts
from gateway.adapters.audit import AuditRepository
from gateway.adapters.grpc_clients import ServiceClients
from gateway.adapters.users import UserRepository
from gateway.api import metrics_port, openapi_doc, problems, ratelimit
from gateway.api.audit_trail import AuditTrailMiddleware
from gateway.api.body_limit import BodyLimitMiddleware
from gateway.api.console_signin_limit import ConsoleSignInLimit
from gateway.api.deps import AppState
from gateway.api.main import include_api
from gateway.api.middleware import ObservabilityMiddleware
from gateway.api.routes import health
from gateway.api.session_gate import SessionGate
from gateway.core.config import Settings
from gateway.feed_runtime import FeedRuntime

log = logging.getLogger(__name__)

# services/gateway/migrations (this file is services/gateway/src/gateway/main.py).
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: Settings, clients: ServiceClients | None = None, *, freeze_gc: bool = False
) -> FastAPI:
    """The app. Pass `clients` to use channels the caller owns (tests); otherwise the
    lifespan opens them from the settings' addresses and closes them at shutdown.
    `freeze_gc` (serving for real): what the start-up built is kept out of full collections."""
    limiter = ratelimit.RateLimiter.from_settings(settings)
    state = AppState(settings=settings, limiter=limiter)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:  # production migrates in a Job/init container instead
            await upgrade_async(settings.database_url, MIGRATIONS)
        engine = create_engine(settings.database_url)
        owned = clients is None
        metrics_server = metrics_port.start_listener(settings)
        watcher: asyncio.Task[None] | None = None
        try:
            state.users = UserRepository(session_factory(engine), settings.passwords())
            state.audit = AuditRepository(session_factory(engine))
            if settings.hq_password is None:
                log.warning("CHAINSTORE_HQ_PASSWORD is unset: using the development password")
            await ensure_hq_user(state.users, settings.effective_hq_password())
            if not settings.is_development:
                await refuse_demo_accounts(state.users)
            state.feed = FeedRuntime(settings, session_factory(engine))
            state.feed.start()
            state.clients = clients or ServiceClients.open(
                inventory_addr=settings.inventory_addr,
                orders_addr=settings.orders_addr,
                logistics_addr=settings.logistics_addr,
                timeout_s=settings.rpc_timeout_s,
            )
            # Checked every few seconds, so the gauge is current from start-up whether or not
            # anyone calls /healthz/dependencies.
            check = partial(health.check_dependencies, state.clients, settings)
            watcher = asyncio.create_task(refresh_forever([check], settings.metrics_refresh_s))
            if freeze_gc:  # last: the engine, repositories, channels and feed built above too
                tune_gc_for_serving()
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            if state.feed is not None:
                await state.feed.close()
                state.feed = None
            if owned and state.clients is not None:
                await state.clients.close()
            state.clients = None
            state.users = None
            state.audit = None
            await engine.dispose()
            if metrics_server is not None:
                metrics_server.shutdown()
                metrics_server.server_close()

    app = FastAPI(
        title="chainstore",
        summary="Orders, inventory and logistics of a retail chain",
        version="1.0.0",
        lifespan=lifespan,
        # /docs and /redoc come from vendored assets (gateway.apidocs), never a CDN.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=apidocs.operation_id,
        # FastAPI's own OpenTelemetry (request spans, route names): on when chainkit.tracing
        # installed a tracer provider, else not even looked at. Its metrics and logs stay off
        # (metrics are Prometheus'; logs are chainkit.logging's).
        telemetry={
            "tracing": tracing.ENABLED,
            "metrics": False,
            "logs": False,
            "auto_configure": False,
            "exclude": _untraced,
        },
    )
    app.state.gateway = state
    problems.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if metrics_port.separate_port(settings) is not None:
        app.add_middleware(metrics_port.HidePublicMetrics)
    app.add_middleware(SessionGate, state=state)
    app.add_middleware(ConsoleSignInLimit, limiter=limiter)
    ratelimit.install(app, limiter)
    app.add_middleware(AuditTrailMiddleware, state=state)
    app.add_middleware(
        ObservabilityMiddleware,
        deadline_s=settings.request_deadline_s,
        access_log=settings.access_log,
    )
    documented_order = include_api(app)
    console.install(app)
    apidocs.install(app)
    openapi_doc.install(app, exempt_paths=ratelimit.EXEMPT_PATHS, order=documented_order)
    return app


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    """Probes and scrapes: many, and nothing to see in a trace."""
    return scope.get("path") in ratelimit.EXEMPT_PATHS


def load_settings() -> Settings:
    """Settings from the environment; unsafe ones stop the process with a clear message."""
    try:
        return Settings()
    except ValidationError as e:
        # Only the messages: the input values may hold secrets.
        for error in e.errors():
            print(f"gateway: refusing to start: {error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def run() -> None:
    settings = load_settings()
    configure_logging("gateway", settings.log_level)
    tracing.configure("gateway")  # before anything it instruments is built
    app = create_app(settings, freeze_gc=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
    )
