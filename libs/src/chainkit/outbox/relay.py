"""The outbox relay: publishes the outbox's events to JetStream, in commit order.

Events are written to the `outbox` table in the same transaction as the change they
describe, so no event exists for a rolled-back change and none is lost when the process
or NATS dies. `OutboxRelay` publishes them with `Nats-Msg-Id = event_id`; the stream's
duplicate window drops the copy a crash between publish and mark-sent would send again.

The table is the record, not the hot path. The unit of work hands its events to the relay
right after COMMIT (`committed`), and the relay publishes them from memory, in commit
order, marking the rows sent in bulk a little later: no read per commit, one UPDATE for
many commits. It reads the table only when memory may not hold everything (its modes and
how it moves between them: chainkit.outbox.states), and on a slow poll for rows nobody is
holding in memory (a replica that died between commit and publish), which it leaves alone
until they are `grace` seconds old, as their own relay marks them sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chainkit import tracing
from chainkit.clock import utcnow
from chainkit.events import OutgoingEvent
from chainkit.jetstream_publish import Outgoing, PipelinedPublisher, Published
from chainkit.metrics import OUTBOX_DUPLICATES, OUTBOX_FROM_MEMORY
from chainkit.metrics import OUTBOX_PUBLISHED as PUBLISHED
from chainkit.outbox.rows import FAR_FUTURE, MARK_SENT, UNSENT
from chainkit.outbox.states import BEHIND, FROM_MEMORY, Cue, Mode, after, holds_commits
from chainkit.traced_publish import publish_traced

log = logging.getLogger(__name__)
# Events held in memory at most, and published-but-unmarked ids: past it, the table rules.
MAX_FRESH = 10_000
# Event-loop turns the relay lets pass after a wake-up before it publishes, so that the
# callers whose commit woke it send their answers first: the answer is what a client waits
# for, the event can follow. The callers resume through a few futures (a batch's result,
# a gather, the RPC's task); their publish costs ~0.5 ms of loop time, which stood between
# the commit and the answer (docs/performance.md, "One placement alone").
ANSWER_TURNS = 4


async def _after_the_answers() -> None:
    for _ in range(ANSWER_TURNS):
        await asyncio.sleep(0)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        nc: Client,
        *,
        poll_interval: float = 0.5,
        batch: int = 200,
        ack_timeout: float = 5.0,
        sqlite_writers: asyncio.Lock | None = None,
        mark_interval: float = 0.05,
        grace: float = 2.0,
    ) -> None:
        self._engine = engine
        self._publisher = PipelinedPublisher(nc, ack_timeout)
        self._poll = poll_interval
        self._batch = batch
        # The process's queue for SQLite's write lock (see ServiceRuntime): marking rows
        # sent waits its turn there instead of in SQLite's sleeping busy handler.
        self._writers = sqlite_writers
        self._mark_interval = mark_interval
        self._grace = timedelta(seconds=grace)
        self._wake = asyncio.Event()
        self._mode = BEHIND
        # Committed, not yet published, in commit order (held outside BEHIND only).
        self._fresh: deque[OutgoingEvent] = deque()
        # Published, not yet marked sent: event id and stored trace context.
        self._unmarked: list[tuple[str, str | None]] = []
        self._unmarked_since = 0.0
        self._next_poll = 0.0
        # Published events the stream had already (see `_count`), since start.
        self.duplicates = 0

    @property
    def mode(self) -> Mode:
        """Where it publishes from now (chainkit.outbox.states)."""
        return self._mode

    @property
    def from_memory(self) -> bool:
        """Publishing committed events from memory (False: catching up from the table)."""
        return self._mode is FROM_MEMORY

    def committed(self, events: Sequence[OutgoingEvent]) -> None:
        """Called right after a COMMIT that wrote `events` to the outbox."""
        if holds_commits(self._mode):
            self._fresh.extend(events)
            if len(self._fresh) > MAX_FRESH:  # NATS slower than our commits: use the table
                self._move(Cue.OVERFLOWED)
        self._wake.set()

    def _move(self, cue: Cue) -> None:
        """Into the mode `cue` leads to; memory keeps what it holds only into FROM_MEMORY
        (in any other mode what it held is in the table, still to be read)."""
        was, self._mode = self._mode, after(self._mode, cue)
        if self._mode is not FROM_MEMORY:
            self._fresh.clear()
        if (was is FROM_MEMORY) is not (self._mode is FROM_MEMORY):
            OUTBOX_FROM_MEMORY.set(self._mode is FROM_MEMORY)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    if await self.step():
                        continue
                    due = self._next_poll
                    if self._unmarked:
                        due = min(due, self._unmarked_since + self._mark_interval)
                except asyncio.CancelledError:
                    raise
                except Exception:  # NATS down or DB busy: the rows wait, we retry
                    log.warning("outbox relay failed; retrying", exc_info=True)
                    due = loop.time() + self._poll  # not at once: marks due would spin
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
                # that races with the wake-up, and the relay then never stops.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(due - loop.time(), 0.0)):
                        await self._wake.wait()
                        await _after_the_answers()
        finally:
            if self._unmarked:  # on the way out; else a restart publishes them again
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    async with asyncio.timeout(1.0):
                        await self._mark_unmarked()

    async def step(self) -> bool:
        """One round of work; whether more is waiting right away."""
        now = asyncio.get_running_loop().time()
        if self._mode is not FROM_MEMORY:
            self._next_poll = now + self._poll
            return await self._catch_up()
        if self._fresh:
            await self._publish_fresh()
        if self._unmarked and (
            len(self._unmarked) >= self._batch or now >= self._unmarked_since + self._mark_interval
        ):
            await self._mark_unmarked()
        if now >= self._next_poll:  # rows no relay holds in memory: a crashed replica's
            self._next_poll = now + self._poll
            fetched, _ = await self._publish_from_table(utcnow() - self._grace)
            if fetched >= self._batch:
                return True
        return bool(self._fresh)

    async def _catch_up(self) -> bool:
        """Publish from the table, oldest first; whether it has more."""
        self._move(Cue.READ_STARTED)
        fetched, sent = await self._publish_from_table(FAR_FUTURE)
        if fetched >= self._batch:
            return True
        self._move(Cue.TABLE_DRAINED)
        if self._mode is not FROM_MEMORY:  # memory overflowed during the read
            return True
        done = set(sent)  # committed before the read, reported after it: sent already
        self._fresh = deque(e for e in self._fresh if e.event_id not in done)
        return False

    async def _publish_fresh(self) -> None:
        taken = [self._fresh.popleft() for _ in range(min(self._batch, len(self._fresh)))]
        published = await publish_traced(
            self._publisher,
            [Outgoing(e.subject, e.data, e.event_id) for e in taken],
            [e.trace_context for e in taken],
        )
        if not self._unmarked:
            self._unmarked_since = asyncio.get_running_loop().time()
        self._unmarked.extend((e.event_id, e.trace_context) for e in taken[: published.stored])
        self._count(published, "memory")
        if published.error is not None:
            # The rest are in the table, unsent: publish from there, in order, from now on.
            self._move(Cue.PUBLISH_FAILED)
            raise published.error

    def _count(self, published: Published, source: str) -> None:
        """Every event the stream acknowledged is published (and gets marked sent). Those it
        had already, dropped by their Nats-Msg-Id, are counted apart: published before a
        crash or a lost connection and not marked, or by two relays at once."""
        PUBLISHED.labels(source).inc(published.stored)
        if published.duplicates:
            self.duplicates += published.duplicates
            OUTBOX_DUPLICATES.labels(source).inc(published.duplicates)
            log.info(
                "outbox relay: %d of %d events from %s were in the stream already",
                published.duplicates,
                published.stored,
                source,
            )

    async def _mark_unmarked(self) -> None:
        pairs, self._unmarked = self._unmarked, []
        try:
            async with self._engine.connect() as conn:
                await self._mark(conn, [i for i, _ in pairs], [t for _, t in pairs if t])
        except BaseException:
            if len(self._unmarked) < MAX_FRESH:  # else published again, and deduplicated
                self._unmarked[:0] = pairs
            raise

    async def _mark(
        self, conn: AsyncConnection, event_ids: list[str], traces: Sequence[str | None]
    ) -> None:
        """Mark rows sent; when tracing, in a span in the trace of the first event's emitter
        (linked to every event's), where the UPDATE's own span shows."""
        driver = (await conn.get_raw_connection()).driver_connection
        async with self._writers or contextlib.nullcontext():
            with tracing.span_for_events("outbox mark sent", traces):
                await MARK_SENT.run(conn.dialect, driver, utcnow(), event_ids)

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows from the table, oldest first; how many."""
        _, sent = await self._publish_from_table(FAR_FUTURE)
        return len(sent)

    async def _publish_from_table(self, created_before: datetime) -> tuple[int, list[str]]:
        """Unsent rows created before the cutoff, but those published from memory and
        not yet marked: how many were read, and the ids published and marked sent."""
        # One pooled connection and no transaction: the read is one statement (a snapshot
        # of its own, no SQLite write lock), and so is marking rows sent.
        async with self._engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            rows = await UNSENT.run(conn.dialect, driver, created_before, self._batch)
            held = {event_id for event_id, _ in self._unmarked}
            todo = [row for row in rows if row[0] not in held]
            if not todo:
                return len(rows), []
            # Pipelined: every message is on the wire, in order, before we wait for the
            # acks. The first ack that fails stops the batch; the rows from there on are
            # published again later, and the duplicate window drops copies that did land.
            published = await publish_traced(
                self._publisher,
                [Outgoing(subject, data, event_id) for event_id, subject, data, _ in todo],
                [row[3] for row in todo],
            )
            sent = [row[0] for row in todo[: published.stored]]
            self._count(published, "table")
            if sent:
                await self._mark(conn, sent, [row[3] for row in todo[: published.stored]])
        if published.error is not None:
            raise published.error
        return len(rows), sent
