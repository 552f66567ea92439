"""The unit of work: one transaction per command, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from chainkit.events import OutgoingEvent
from chainkit.outbox import add_to_outbox, utcnow


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
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_events_committed = on_events_committed
        self._emitted = False
        self._committed = False
        self._handled: tuple[str, str] | None = None

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        self._emitted = self._committed = False
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
        """Queue an event in the outbox: it is published only if this transaction commits."""
        add_to_outbox(self.session, event)
        self._emitted = True

    def handles(self, consumer: str, event_id: str) -> None:
        """Record, at commit, that `consumer` handled `event_id` (see chainkit.consumer)."""
        self._handled = (consumer, event_id)

    async def commit(self) -> None:
        if self._handled:
            self.session.add(InboxMessage(consumer=self._handled[0], event_id=self._handled[1]))
        await self.session.commit()
        self._committed = True
        if self._emitted and self._on_events_committed:
            self._on_events_committed()
