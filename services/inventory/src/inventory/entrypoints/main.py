"""`python -m inventory`: migrations, NATS, outbox relay, gRPC until SIGTERM."""

from __future__ import annotations

import asyncio

from chainkit import tracing
from chainkit.db import session_factory
from chainkit.logging import configure_logging
from chainkit.runtime import ServiceRuntime
from inventory.entrypoints import bootstrap
from inventory.entrypoints.config import Settings
from inventory.entrypoints.errors import details_for
from inventory.entrypoints.sweeper import sweep_expired_forever


async def main(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    configure_logging("inventory", settings.log_level)
    tracing.configure("inventory")  # before anything it instruments is built
    runtime = await ServiceRuntime.start(
        "inventory", settings, stream="INVENTORY", migrations=bootstrap.MIGRATIONS
    )
    app = bootstrap.bootstrap(
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
        sqlite_writers=runtime.sqlite_writers,
    )
    runtime.spawn(
        sweep_expired_forever(app.deps, settings.expiry_sweep_interval_s), "reservation-expiry"
    )
    await runtime.serve_app(settings, app, details_for, settings.metrics_port)


def run() -> None:
    asyncio.run(main())
