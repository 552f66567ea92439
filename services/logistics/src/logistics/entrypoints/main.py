"""`python -m logistics`: migrate, connect, serve gRPC, poll carriers; stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from chainkit import tracing
from chainkit.db import session_factory
from chainkit.logging import configure_logging
from chainkit.runtime import ServiceRuntime
from logistics.entrypoints.bootstrap import MIGRATIONS, bootstrap
from logistics.entrypoints.config import Settings
from logistics.entrypoints.poller import run_poller, run_stall_sweeper
from logistics.service_layer import metrics


async def serve(settings: Settings) -> None:
    runtime = await ServiceRuntime.start(
        "logistics", settings, stream="LOGISTICS", migrations=MIGRATIONS
    )
    app = bootstrap(
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
    )
    metrics.expect_carriers(c.code for c in app.deps.carriers)
    runtime.add_probe(lambda: metrics.refresh_gauges(app.deps))
    runtime.spawn(run_poller(app.deps, settings.poll_interval_s), "carrier-poller")
    runtime.spawn(run_stall_sweeper(app.deps, settings.stall_sweep_interval_s), "stall-sweeper")
    await runtime.serve_app(settings, app, metrics_port=settings.metrics_port)


def run() -> None:
    settings = Settings()
    configure_logging("logistics", settings.log_level)
    tracing.configure("logistics")  # before anything it instruments is built
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per carrier call
    asyncio.run(serve(settings))
