"""The live feed's moving parts for one gateway process: a NATS connection, the FEED
stream, the follower that feeds the hub and the consumer that fills customers' inboxes.
Started by the lifespan in the background, so the API serves while NATS is away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.metrics import NATS_CONNECTED
from chainkit.metrics_refresh import consumers_probe, refresh_forever
from chainkit.nats import connect
from gateway.adapters import feed_metrics
from gateway.adapters.feed_stream import FeedStream, ensure_feed_stream
from gateway.adapters.notification_consumer import NotificationConsumer
from gateway.adapters.notification_store import NotificationStore
from gateway.core.config import Settings
from gateway.feed.hub import FeedHub
from gateway.feed.live import LiveFeed

log = logging.getLogger(__name__)

RETRY_S = 1.0
T = TypeVar("T")


class FeedRuntime:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.hub = FeedHub(settings.feed_client_buffer)
        feed_metrics.watch(self.hub)
        self.notifications = NotificationStore(sessions)
        self.live: LiveFeed | None = None  # set once the stream is reachable
        self._nc: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        NATS_CONNECTED.set_function(lambda: 1.0 if self.nats_connected else 0.0)

    @property
    def nats_connected(self) -> bool:
        """The live feed's NATS connection is up (the gateway's only one)."""
        return self._nc is not None and bool(self._nc.is_connected)

    def start(self) -> None:
        if self.settings.live_feed:
            self._tasks.append(asyncio.create_task(self._run(), name="live-feed"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _run(self) -> None:
        nc = await _retrying("connect to NATS", lambda: connect(self.settings.nats_url, "gateway"))
        self._nc = nc
        js = nc.jetstream()
        await _retrying(
            "provision the FEED stream",
            lambda: ensure_feed_stream(
                js, self.settings.feed_retention_s, self.settings.nats_stream_replicas
            ),
        )
        stream = FeedStream(js)
        self.live = LiveFeed(self.hub, stream, self.settings.feed_heartbeat_s)
        await asyncio.gather(
            _forever("follow the feed", lambda: stream.follow(self.hub)),
            _forever(
                "fill notification inboxes",
                lambda: NotificationConsumer(js, self.notifications).run(),
            ),
            refresh_forever([consumers_probe(js)], self.settings.metrics_refresh_s),
        )


async def _retrying(what: str, attempt: Callable[[], Awaitable[T]]) -> T:
    while True:
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("live feed: cannot %s yet (%s); retrying", what, e)
            await asyncio.sleep(RETRY_S)


async def _forever(what: str, run: Callable[[], Awaitable[None]]) -> None:
    """Keep a long-running loop alive across failures (NATS restarts, a lost consumer)."""
    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("live feed: %s failed; restarting", what, exc_info=True)
        await asyncio.sleep(RETRY_S)
