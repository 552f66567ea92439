"""Gauges whose values live elsewhere (the outbox table, JetStream, a service's tables),
refreshed by one light background loop every few seconds: never on a request's path.

A probe reads one thing and sets its gauges. One that fails (NATS down, a busy database)
leaves its gauges at their last values until the next round; `nats_connected` says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    WATCHED_CONSUMERS,
)
from chainkit.outbox import read_backlog

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]  # what it returns is not used


def outbox_probe(engine: AsyncEngine) -> Probe:
    async def probe() -> None:
        count, oldest_age_s = await read_backlog(engine)
        OUTBOX_BACKLOG.set(count)
        OUTBOX_OLDEST_AGE.set(oldest_age_s)

    return probe


def consumers_probe(js: JetStreamContext) -> Probe:
    """num_pending and num_ack_pending of every durable consumer this process runs."""

    async def probe() -> None:
        for stream, durable in sorted(WATCHED_CONSUMERS):
            try:
                info = await js.consumer_info(stream, durable, timeout=2.0)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # not created yet, or NATS away: try next round
                log.debug("no consumer info for %s/%s: %s", stream, durable, e)
                continue
            CONSUMER_PENDING.labels(stream, durable).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(stream, durable).set(info.num_ack_pending or 0)

    return probe


async def refresh_forever(probes: list[Probe], interval_s: float) -> None:
    """Run every probe, then wait `interval_s`; `probes` may grow while this runs."""
    while True:
        for probe in list(probes):
            try:
                await probe()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.debug("metrics probe failed; its gauges keep their last values", exc_info=True)
        await asyncio.sleep(interval_s)
