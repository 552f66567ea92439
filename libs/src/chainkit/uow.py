"""The unit of work: one transaction per command, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from chainkit import tracing
from chainkit.bulk import Rows, insert_tables
from chainkit.clock import utcnow
from chainkit.events import OutgoingEvent
from chainkit.outbox.rows import OUTBOX, outbox_rows

# New rows to insert at commit (SqlUnitOfWork.stage), for repositories on a hot path.
Stage = Callable[[Table, Rows], None]
# Called after a COMMIT with the events it wrote: the outbox relay's `committed`.
EventsCommitted = Callable[[Sequence[OutgoingEvent]], None]


class InboxMessage(SQLModel, table=True):
    """An event a consumer has handled, written in the handler's own transaction."""

    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=36)
    handled_at: datetime = Field(default_factory=utcnow)


class SqlUnitOfWork:
    """Base for each service's unit of work; subclasses add repositories in `_start`."""

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: EventsCommitted | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_events_committed = on_events_committed
        self._events: list[OutgoingEvent] = []  # to write at commit
        self._written: list[OutgoingEvent] = []  # in the outbox already (see wrote_events)
        self._committed = False
        self._handled: tuple[str, str] | None = None
        self._staged: list[tuple[Table, Rows]] = []  # new rows to insert at commit

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        self._events = []
        self._written = []
        self._staged = []
        self._committed = False
        self._start()
        return self

    def _start(self) -> None:
        """Hook for subclasses: build repositories on `self.session`."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    def emit(self, event: OutgoingEvent) -> None:
        """Queue an event: written to the outbox at commit (with any staged rows, one INSERT),
        so it is published only if this transaction commits."""
        self._events.append(event)

    def wrote_events(self, events: Sequence[OutgoingEvent]) -> None:
        """For a repository that wrote these events' outbox rows itself, in one statement
        with its change (chainkit.outbox.outbox_rows): handed to the relay at commit."""
        self._written.extend(events)

    def stage(self, table: Table, rows: Rows) -> None:
        """New rows to INSERT at commit, all staged tables and the outbox in one round trip
        (chainkit.bulk.insert_tables): for a hot path's rows that nothing in the transaction
        reads back. A broken constraint surfaces at commit."""
        self._staged.append((table, rows))

    def handles(self, consumer: str, event_id: str) -> None:
        """Record, at commit, that `consumer` handled `event_id` (see chainkit.consumer)."""
        self._handled = (consumer, event_id)

    async def commit(self) -> None:
        if self._handled:
            self.session.add(InboxMessage(consumer=self._handled[0], event_id=self._handled[1]))
        # Staged rows and the events' outbox rows: one round trip (tables without rows skipped).
        rows = [*self._staged, (OUTBOX, outbox_rows(self._events, utcnow()))]
        self._staged = []
        # Staged rows go to the driver directly (chainkit.bulk), unseen by the SQLAlchemy
        # instrumentation: this span shows the whole write and COMMIT.
        with tracing.span("db commit"):
            await insert_tables(self.session, rows)
            await self.session.commit()
        self._committed = True
        events = [*self._written, *self._events]
        self._events, self._written = [], []
        if events and self._on_events_committed:
            self._on_events_committed(events)
