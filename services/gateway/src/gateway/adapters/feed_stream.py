"""The FEED stream: one JetStream stream sourcing what screens show from the ORDERS,
LOGISTICS and INVENTORY streams, so the feed has one total order that every gateway
replica shares (a cursor from one replica is valid at any other) and survives a gateway
restart. Its `max_age` is the feed's retention window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import (
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import BadRequestError, NotFoundError

from chainkit import events, tracing
from chainkit.nats import DUPLICATE_WINDOW_S
from gateway.feed.hub import FeedHub
from gateway.feed.live import StreamSpan
from gateway.feed.model import SOURCES, FeedEvent, translate

log = logging.getLogger(__name__)

FEED_STREAM = "FEED"
LIVE_FEED = "gateway-live-feed"  # names this process's ordered consumer in traces
ALL = "chainstore.>"


def feed_config(retention_s: float, replicas: int) -> StreamConfig:
    sources = []
    for stream, subjects in SOURCES.items():
        if not subjects:
            sources.append(StreamSource(name=stream))
        sources.extend(StreamSource(name=stream, filter_subject=s) for s in subjects)
    return StreamConfig(
        name=FEED_STREAM,
        sources=sources,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=retention_s,
        duplicate_window=DUPLICATE_WINDOW_S,
        num_replicas=replicas,
    )


async def ensure_feed_stream(js: JetStreamContext, retention_s: float, replicas: int) -> None:
    """Create the stream, or bring an existing one to this retention and replica count
    (replicas started together race here harmlessly: the loser finds it made)."""
    config = feed_config(retention_s, replicas)
    try:
        await js.stream_info(FEED_STREAM)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError:
            pass  # made by a twin meanwhile
    await js.update_stream(config)


def _decode(seq: int, data: bytes) -> FeedEvent | None:
    try:
        return translate(seq, events.parse(data))
    except Exception:  # one bad message must not stop every screen
        log.exception("feed: event %d could not be read; skipped", seq)
        return None


class FeedStream:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def span(self) -> StreamSpan:
        info = await self._js.stream_info(FEED_STREAM)
        created = info.created.timestamp() if info.created else 0
        return StreamSpan(int(created), info.state.first_seq, info.state.last_seq)

    async def follow(self, hub: FeedHub) -> None:
        """Hand every new event to the hub, in order, for as long as the task runs. An
        ordered consumer restarts itself after a gap or a server restart, from the last
        sequence it delivered, so the hub sees each sequence once."""
        span = await self.span()
        if not hub.ready.is_set() or hub.epoch != span.epoch:
            hub.start(span.epoch, span.last_seq, span.first_seq)
        # After a restart of this task: on from where the hub is, so nothing is skipped.

        async def on_message(msg: object) -> None:
            seq = msg.metadata.sequence.stream  # type: ignore[attr-defined]
            if seq > hub.position:
                with tracing.consuming(msg.headers, msg.subject, LIVE_FEED):  # type: ignore[attr-defined]
                    hub.publish(seq, _decode(seq, msg.data))  # type: ignore[attr-defined]
            # Let clients' writers run between events: in a burst, nats-py hands messages
            # over without suspending, and buffers would fill though every client keeps up.
            await asyncio.sleep(0)

        sub = await self._js.subscribe(
            ALL,
            stream=FEED_STREAM,
            ordered_consumer=True,
            cb=on_message,
            config=self._from(hub.position + 1),
        )
        try:
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def replay(self, after: int, until: int) -> AsyncIterator[FeedEvent | None]:
        """Events after `after` up to and including `until`, in order (None for ones no
        screen shows), read by a short-lived ordered consumer."""
        if until <= after:
            return
        sub = await self._js.subscribe(
            ALL, stream=FEED_STREAM, ordered_consumer=True, config=self._from(after + 1)
        )
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=5.0)
                except (TimeoutError, NatsTimeout):
                    log.warning("feed replay stopped at a gap before %d", until)
                    return
                seq = msg.metadata.sequence.stream
                if seq > until:
                    return
                yield _decode(seq, msg.data)
                if seq == until:
                    return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    @staticmethod
    def _from(seq: int) -> ConsumerConfig:
        return ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=max(seq, 1),
            mem_storage=True,
        )
