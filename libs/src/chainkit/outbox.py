"""Transactional outbox: events are rows written with the state change, then relayed.

`OutboxMessage` rows are added in the same transaction as the change they describe, so
no event exists for a rolled-back change and none is lost when the process or NATS dies.
`OutboxRelay` publishes unsent rows in order with `Nats-Msg-Id = event_id`; the stream's
duplicate window drops the copy a crash between publish and mark-sent would send again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from nats.aio.client import Client
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import Field, SQLModel

from chainkit.events import OutgoingEvent
from chainkit.jetstream_publish import Outgoing, PipelinedPublisher
from chainkit.raw_sql import RawQuery

log = logging.getLogger(__name__)


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


_outbox: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
# Straight to the driver (see raw_sql): the relay runs these after every busy commit.
_UNSENT = RawQuery(
    sqlite="SELECT id, event_id, subject, data FROM outbox WHERE sent_at IS NULL "
    "ORDER BY id LIMIT ?",
    postgresql="SELECT id, event_id, subject, data FROM outbox WHERE sent_at IS NULL "
    "ORDER BY id LIMIT $1",
    standalone_read=True,
)
_MARK_SENT = RawQuery(
    sqlite="UPDATE outbox SET sent_at = ? WHERE id IN (SELECT value FROM json_each(?))",
    postgresql="UPDATE outbox SET sent_at = $1 FROM unnest($2::bigint[]) AS q(id) "
    "WHERE outbox.id = q.id",  # unnest: key probes, never a scan (see reserve_queries)
    types=[_outbox.c.sent_at.type],
)


def add_to_outbox(session: AsyncSession, event: OutgoingEvent) -> None:
    session.add(OutboxMessage(event_id=event.event_id, subject=event.subject, data=event.data))


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
    ) -> None:
        self._engine = engine
        self._publisher = PipelinedPublisher(nc, ack_timeout)
        self._poll = poll_interval
        self._batch = batch
        # The process's queue for SQLite's write lock (see ServiceRuntime): marking rows
        # sent waits its turn there instead of in SQLite's sleeping busy handler.
        self._writers = sqlite_writers
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote events: publish now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # NATS down or DB busy: the rows wait, we retry
                log.warning("outbox relay failed; retrying", exc_info=True)
                sent = 0
            if sent >= self._batch:
                continue
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
            # races with the wake-up, and the relay then never stops (shutdown hangs).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows, oldest first; returns how many were sent."""
        # One pooled connection for the cycle and no transaction: the read is one
        # statement (a snapshot of its own, no SQLite write lock), and so is marking rows
        # sent. Sessions, BEGIN and COMMIT were most of a cycle's cost.
        async with self._engine.connect() as conn:
            dialect = conn.dialect
            driver = (await conn.get_raw_connection()).driver_connection
            rows = await _UNSENT.run(dialect, driver, self._batch)
            if not rows:
                return 0
            # Pipelined: every message is on the wire, in order, before we wait for the
            # acks. The first ack that fails stops the batch; the rows from there on are
            # published again later, and the duplicate window drops copies that did land.
            published = await self._publisher.publish(
                [Outgoing(subject, data, event_id) for _, event_id, subject, data in rows]
            )
            sent_ids = [row[0] for row in rows[: published.stored]]
            if sent_ids:
                async with self._writers or contextlib.nullcontext():
                    await _MARK_SENT.run(dialect, driver, utcnow(), sent_ids)
        if published.error is not None:
            raise published.error
        return len(sent_ids)
