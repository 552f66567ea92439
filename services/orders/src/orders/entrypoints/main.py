"""`python -m orders`: migrate, connect, serve gRPC, consume logistics events, until SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from chainkit import tracing
from chainkit.db import session_factory
from chainkit.logging import configure_logging
from chainkit.runtime import ServiceRuntime
from orders.entrypoints.bootstrap import MIGRATIONS, OrdersApp, bootstrap
from orders.entrypoints.config import Settings, load_settings
from orders.entrypoints.consumer import analytics_consumer, logistics_consumer
from orders.entrypoints.servicer import details_for
from orders.service_layer.order_actions import expire_overdue, retry_releases

log = logging.getLogger(__name__)


async def expiry_loop(app: OrdersApp, interval_s: float) -> None:
    """The durable payment-deadline timer: its state is the orders table itself (status,
    payment_due_at, release_pending), so a restart simply resumes. Cancels overdue orders,
    then retries releases inventory has not confirmed."""
    while True:
        try:
            while await expire_overdue(app.deps) > 0:
                pass
            await retry_releases(app.deps)
        except Exception:
            log.warning("payment-deadline sweep failed; retrying", exc_info=True)
        await asyncio.sleep(interval_s)


async def serve(settings: Settings) -> None:
    runtime = await ServiceRuntime.start("orders", settings, stream="ORDERS", migrations=MIGRATIONS)
    app = bootstrap(
        settings,
        runtime.sessions,
        read_sessions=session_factory(runtime.engine, read_only=True),
        on_events_committed=runtime.relay.committed,
    )
    runtime.consume(
        logistics_consumer(runtime.js, runtime.sessions, app.uow_factory), "logistics-consumer"
    )
    runtime.consume(
        analytics_consumer(runtime.js, runtime.sessions, app.uow_factory, app.deps.business_tz),
        "analytics-consumer",
    )
    if settings.expiry_interval_s > 0:
        runtime.spawn(expiry_loop(app, settings.expiry_interval_s), "payment-expiry")
    await runtime.serve_app(settings, app, details_for, settings.metrics_port)


def run() -> None:
    settings = load_settings()
    configure_logging("orders", settings.log_level)
    tracing.configure("orders")  # before anything it instruments is built
    asyncio.run(serve(settings))
