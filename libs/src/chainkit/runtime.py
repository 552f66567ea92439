"""What every service process sets up the same way: DB, migrations, NATS, outbox relay,
gRPC server, metrics and graceful shutdown. Each service's `main` wires its own parts in."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, Protocol

import grpc
import prometheus_client
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chainkit import grpc_server
from chainkit.config import ServiceSettings
from chainkit.consumer import EventConsumer
from chainkit.db import create_engine, session_factory
from chainkit.metrics import NATS_CONNECTED
from chainkit.metrics_refresh import Probe, consumers_probe, outbox_probe, refresh_forever
from chainkit.migrations import upgrade_async
from chainkit.nats import connect, ensure_dead_letter_stream, ensure_stream
from chainkit.ops_servicer import SERVICE_NAME as OPS_SERVICE_NAME
from chainkit.ops_servicer import OpsServicer
from chainkit.outbox import OutboxRelay

log = logging.getLogger(__name__)


# Container allocations between young-generation collections (CPython's default is 700):
# a request allocates thousands that die young, so the default collected every handful of
# reservations. Reserve bench run (6,000 calls, SQLite): GC time 0.43 s -> 0.20 s.
GC_YOUNG_THRESHOLD = 50_000


def tune_gc_for_serving() -> None:
    """Keep what start-up built (modules, table metadata, compiled statements) out of the
    garbage collector's full passes: they live as long as the process, and scanning them
    again and again under load showed up as latency spikes (Reserve p99 ~130 -> ~80 ms).
    And collect the young generation less often (GC_YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


class ServedApp(Protocol):
    """What a service's composition root answers (its `bootstrap`): the gRPC services it
    registers, and what it opened that must be closed after serving."""

    @property
    def service_names(self) -> list[str]: ...

    def register(self, server: grpc.aio.Server) -> None: ...

    async def aclose(self) -> None: ...


class ServiceRuntime:
    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        nc: Client,
        js: JetStreamContext,
        relay: OutboxRelay,
        sqlite_writers: asyncio.Lock | None = None,
    ) -> None:
        self.name = name
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self.nc = nc
        self.js = js
        self.relay = relay
        self.sqlite_writers = sqlite_writers
        self._tasks: list[asyncio.Task[Any]] = []
        # Read every few seconds for the metrics (add_probe adds a service's own).
        self.probes: list[Probe] = [outbox_probe(engine), consumers_probe(js)]
        NATS_CONNECTED.set_function(lambda: 1.0 if nc.is_connected else 0.0)
        # By durable: the operations API replays a dead letter through its consumer.
        self.consumers: dict[str, EventConsumer[Any]] = {}

    @classmethod
    async def start(
        cls, name: str, settings: ServiceSettings, *, stream: str, migrations: Path
    ) -> ServiceRuntime:
        if settings.migrate_on_start:
            await upgrade_async(settings.database_url, migrations)
        engine = create_engine(settings.database_url)
        nc = await connect(settings.nats_url, name)
        js = nc.jetstream()
        await _provision(js, stream, settings.nats_stream_replicas)
        # SQLite has one write lock; writers of this process queue for it here, first come
        # first served, rather than in its busy handler (sleeps of up to 100 ms).
        sqlite_writers = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        relay = OutboxRelay(
            engine,
            nc,
            poll_interval=settings.outbox_poll_s,
            sqlite_writers=sqlite_writers,
        )
        runtime = cls(name, engine, nc, js, relay, sqlite_writers)
        runtime.spawn(relay.run(), "outbox-relay")
        runtime.spawn(refresh_forever(runtime.probes, settings.metrics_refresh_s), "metrics")
        return runtime

    def add_probe(self, probe: Probe) -> None:
        """A service's own figures for the metrics loop (chainkit.metrics_refresh)."""
        self.probes.append(probe)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background loop for the life of the process; a crash is logged loudly."""
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._report)
        self._tasks.append(task)

    def consume(self, consumer: EventConsumer[Any], name: str) -> None:
        """Run an event consumer for the life of the process, known to the operations API."""
        self.consumers[consumer.durable] = consumer
        self.spawn(consumer.run(), name)

    @staticmethod
    def _report(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s died", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            # Cancel again until done: on Python 3.11 `asyncio.wait_for` (also inside
            # nats-py's request/publish) swallows a cancel that races with its result,
            # and a background loop would then run, and block shutdown, forever.
            while not task.done():
                await asyncio.wait({task}, timeout=1.0)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.nc.drain()
        await self.engine.dispose()

    async def serve(
        self,
        settings: ServiceSettings,
        registrations: Iterable[grpc_server.Register],
        service_names: Iterable[str],
        details_for: grpc_server.DetailsFor = lambda _e: (),
        metrics_port: int = 0,
    ) -> None:
        """Serve gRPC, the operations API besides the service's own, until SIGTERM, then shut
        down gracefully and release everything."""
        if metrics_port:
            prometheus_client.start_http_server(metrics_port, addr=settings.grpc_host)
        ops = OpsServicer(self.name, self.engine, self.relay, self.js, self.consumers)
        server, port, health = await grpc_server.create_server(
            [*registrations, ops.register],
            [*service_names, OPS_SERVICE_NAME],
            host=settings.grpc_host,
            port=settings.grpc_port,
            details_for=details_for,
        )
        log.info("%s serving gRPC on %s:%d", self.name, settings.grpc_host, port)
        tune_gc_for_serving()
        await grpc_server.serve_until_signalled(
            server, health, grace_s=settings.shutdown_grace_s, on_stop=self.close
        )

    async def serve_app(
        self,
        settings: ServiceSettings,
        app: ServedApp,
        details_for: grpc_server.DetailsFor = lambda _e: (),
        metrics_port: int = 0,
    ) -> None:
        """`serve` a bootstrapped app, then close what it opened (its peers' channels)."""
        try:
            await self.serve(settings, [app.register], app.service_names, details_for, metrics_port)
        finally:
            await app.aclose()


# A JetStream cluster that just lost a node answers API requests again once it has elected
# new leaders (seconds): a replica starting meanwhile waits rather than exits.
PROVISION_WITHIN_S = 60.0


async def _provision(js: JetStreamContext, stream: str, replicas: int) -> None:
    deadline = time.monotonic() + PROVISION_WITHIN_S
    while True:
        try:
            await ensure_stream(js, stream, replicas=replicas)
            await ensure_dead_letter_stream(js, replicas=replicas)
            return
        except Exception as e:
            if time.monotonic() > deadline:
                raise
            log.warning("stream %s not provisioned yet (%s); retrying", stream, e)
            await asyncio.sleep(1.0)
