"""Transactional outbox: events are rows written with the state change, then relayed.

Events are written to the `outbox` table in the same transaction as the change they
describe, so no event exists for a rolled-back change and none is lost when the process
or NATS dies. `OutboxRelay` publishes them with `Nats-Msg-Id = event_id`; the stream's
duplicate window drops the copy a crash between publish and mark-sent would send again.

The table is the record, not the hot path. The unit of work hands its events to the relay
right after COMMIT (`committed`), and the relay publishes them from memory, in commit
order, marking the rows sent in bulk a little later: no read per commit, one UPDATE for
many commits. It reads the table only when memory may not hold everything: at start, after
a publish failed (NATS down: it then publishes from the table, oldest first, until it has
caught up), and on a slow poll for rows nobody is holding in memory (a replica that died
between commit and publish), which it leaves alone until they are `grace` seconds old, as
their own relay marks them sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.aio.client import Client
from sqlalchemy import Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import Field, SQLModel

from chainkit import tracing
from chainkit.events import OutgoingEvent
from chainkit.jetstream_publish import Outgoing, PipelinedPublisher
from chainkit.metrics import OUTBOX_FROM_MEMORY as FROM_MEMORY
from chainkit.metrics import OUTBOX_PUBLISHED as PUBLISHED
from chainkit.raw_sql import RawQuery
from chainkit.traced_publish import publish_traced

log = logging.getLogger(__name__)
# Events held in memory at most, and published-but-unmarked ids: past it, the table rules.
MAX_FRESH = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    subject: str = Field(max_length=200)
    data: bytes
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)
    # W3C trace context of the emitting span (chainkit.tracing), NULL when tracing is off.
    trace_context: str | None = Field(default=None, sa_type=Text)


OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
# Straight to the driver (see raw_sql). Unsent rows created before a cutoff, oldest first.
_UNSENT = RawQuery(
    sqlite="SELECT event_id, subject, data, trace_context FROM outbox "
    "WHERE sent_at IS NULL AND created_at < ? ORDER BY id LIMIT ?",
    postgresql="SELECT event_id, subject, data, trace_context FROM outbox "
    "WHERE sent_at IS NULL AND created_at < $1 ORDER BY id LIMIT $2",
    types=[OUTBOX.c.created_at.type],
    standalone_read=True,
)
_MARK_SENT = RawQuery(
    sqlite="UPDATE outbox SET sent_at = ? WHERE event_id IN (SELECT value FROM json_each(?))",
    postgresql="UPDATE outbox SET sent_at = $1 FROM unnest($2::text[]) AS q(event_id) "
    "WHERE outbox.event_id = q.event_id",  # unnest: key probes, never a scan (see raw_sql)
    types=[OUTBOX.c.sent_at.type],
)
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# Event-loop turns the relay lets pass after a wake-up before it publishes, so that the
# callers whose commit woke it send their answers first: the answer is what a client waits
# for, the event can follow. The callers resume through a few futures (a batch's result,
# a gather, the RPC's task); their publish costs ~0.5 ms of loop time, which stood between
# the commit and the answer (docs/performance.md, "One placement alone").
ANSWER_TURNS = 4


async def _after_the_answers() -> None:
    for _ in range(ANSWER_TURNS):
        await asyncio.sleep(0)


# Unsent rows are few and sent_at is indexed: a cheap read, no write lock.
_BACKLOG = select(func.count(), func.min(OUTBOX.c.created_at)).where(OUTBOX.c.sent_at.is_(None))


async def read_backlog(engine: AsyncEngine) -> tuple[int, float]:
    """Unsent events, and the age in seconds of the oldest of them (0 when none)."""
    async with engine.connect() as conn:
        count, oldest = (await conn.execute(_BACKLOG)).one()
    return int(count), seconds_since(oldest, datetime.now(UTC))


def seconds_since(then: datetime | None, now: datetime) -> float:
    """Seconds from `then` (naive means UTC, as SQLite hands it back) to `now`; 0 for None."""
    if then is None:
        return 0.0
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max((now - then).total_seconds(), 0.0)


def outbox_rows(events: Sequence[OutgoingEvent], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.event_id,
            "subject": e.subject,
            "data": e.data,
            "created_at": now,
            "trace_context": e.trace_context,
        }
        for e in events
    ]


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
        # Committed, not yet published, in commit order. Collected from the start of a
        # catch-up read of the table, so that once the table has nothing older left
        # (`_caught_up`), memory holds everything still to publish.
        self._fresh: deque[OutgoingEvent] = deque()
        self._collecting = False
        self._caught_up = False
        # Published, not yet marked sent: event id and stored trace context.
        self._unmarked: list[tuple[str, str | None]] = []
        self._unmarked_since = 0.0
        self._next_poll = 0.0

    @property
    def from_memory(self) -> bool:
        """Publishing committed events from memory (False: catching up from the table)."""
        return self._caught_up

    def committed(self, events: Sequence[OutgoingEvent]) -> None:
        """Called right after a COMMIT that wrote `events` to the outbox."""
        if self._collecting:
            self._fresh.extend(events)
            if len(self._fresh) > MAX_FRESH:  # NATS slower than our commits: use the table
                self._fall_behind()
        self._wake.set()

    def _fall_behind(self) -> None:
        self._caught_up = self._collecting = False
        self._fresh.clear()
        FROM_MEMORY.set(0)

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
        if not self._caught_up:
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
        self._fresh.clear()
        self._collecting = True
        fetched, sent = await self._publish_from_table(_FAR_FUTURE)
        if fetched < self._batch and self._collecting:
            self._caught_up = True
            FROM_MEMORY.set(1)
            done = set(sent)  # committed before the read, reported after it: sent already
            self._fresh = deque(e for e in self._fresh if e.event_id not in done)
        return not self._caught_up

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
        PUBLISHED.labels("memory").inc(published.stored)
        if published.error is not None:
            # The rest are in the table, unsent: publish from there, in order, from now on.
            self._fall_behind()
            raise published.error

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
                await _MARK_SENT.run(conn.dialect, driver, utcnow(), event_ids)

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows from the table, oldest first; how many."""
        _, sent = await self._publish_from_table(_FAR_FUTURE)
        return len(sent)

    async def _publish_from_table(self, created_before: datetime) -> tuple[int, list[str]]:
        """Unsent rows created before the cutoff, but those published from memory and
        not yet marked: how many were read, and the ids published and marked sent."""
        # One pooled connection and no transaction: the read is one statement (a snapshot
        # of its own, no SQLite write lock), and so is marking rows sent.
        async with self._engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            rows = await _UNSENT.run(conn.dialect, driver, created_before, self._batch)
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
            PUBLISHED.labels("table").inc(published.stored)
            if sent:
                await self._mark(conn, sent, [row[3] for row in todo[: published.stored]])
        if published.error is not None:
            raise published.error
        return len(rows), sent
