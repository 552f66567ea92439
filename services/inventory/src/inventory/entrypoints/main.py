"""`python -m inventory`: migrations, NATS, outbox relay, gRPC until SIGTERM."""

from __future__ import annotations

import asyncio

from chainkit import tracing
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
    uows = bootstrap.unit_of_work_factory(
        runtime.sessions, runtime.relay.committed, runtime.sqlite_writers
    )
    runtime.spawn(
        sweep_expired_forever(uows, settings.expiry_sweep_interval_s), "reservation-expiry"
    )
    await runtime.serve(
        settings,
        bootstrap.registrations(uows),
        [bootstrap.SERVICE_NAME],
        details_for=details_for,
        metrics_port=settings.metrics_port,
    )


def run() -> None:
    asyncio.run(main())
