"""One client's live feed: what it missed since its cursor (read back from the stream),
then what the hub hands it, each event once and in order, with heartbeats."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from gateway.feed import wire
from gateway.feed.cursor import Cursor
from gateway.feed.hub import FeedHub, Subscription
from gateway.feed.model import FeedEvent
from gateway.feed.scope import FeedScope


@dataclass(frozen=True, slots=True)
class StreamSpan:
    epoch: int  # creation time of the stream, seconds (see feed.cursor)
    first_seq: int
    last_seq: int


class FeedHistory(Protocol):
    """The stream behind the hub (gateway.adapters.feed_stream.FeedStream)."""

    async def span(self) -> StreamSpan: ...

    def replay(self, after: int, until: int) -> AsyncIterator[FeedEvent | None]: ...


class LiveFeed:
    def __init__(self, hub: FeedHub, history: FeedHistory, heartbeat_s: float = 15.0) -> None:
        self.hub = hub
        self.history = history
        self.heartbeat_s = heartbeat_s

    async def stream(
        self, scope: FeedScope, cursor: Cursor | None, lang: str
    ) -> AsyncIterator[bytes]:
        # Subscribe first, then read back up to the hub's position: nothing falls between.
        sub = self.hub.subscribe(scope)
        try:
            yield wire.opening()
            sent = self.hub.position
            if cursor is not None:
                async for frame in self._missed(scope, cursor, sent, lang):
                    yield frame
                # A cursor ahead of this replica (issued by a twin further along) skips
                # what this client has already seen.
                sent = max(sent, cursor.seq)
            async for frame in self._live(sub, sent, lang):
                yield frame
        finally:
            self.hub.unsubscribe(sub)

    async def _missed(
        self, scope: FeedScope, cursor: Cursor, until: int, lang: str
    ) -> AsyncIterator[bytes]:
        epoch = self.hub.epoch
        span = await self.history.span()
        if cursor.epoch != epoch or cursor.seq < span.first_seq - 1:
            yield wire.reset(Cursor(epoch, until))
            return
        async for event in self.history.replay(cursor.seq, until):
            if event is not None and scope.allows(event):
                yield wire.frame(event, epoch, lang)

    async def _live(self, sub: Subscription, sent: int, lang: str) -> AsyncIterator[bytes]:
        epoch = self.hub.epoch
        while not sub.dropped:
            try:
                async with asyncio.timeout(self.heartbeat_s):
                    event = await sub.queue.get()
            except TimeoutError:
                # Queue empty: every event up to the hub's position reached this client.
                yield wire.heartbeat(Cursor(epoch, max(sent, self.hub.position)))
                continue
            if sub.dropped:
                return  # too slow: the client reconnects with the last id it received
            # Whatever else is queued goes out in the same write: under a burst a thousand
            # clients cost a thousand writes, not a thousand per event.
            frames = []
            while True:
                if event.seq > sent:
                    sent = event.seq
                    frames.append(wire.frame(event, epoch, lang))
                if sub.queue.empty():
                    break
                event = sub.queue.get_nowait()
            if frames:
                yield b"".join(frames)
