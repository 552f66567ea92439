"""The logistics unit of work: chainkit's transaction plus our repositories."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError

from chainkit.errors import Retryable
from chainkit.events import OutgoingEvent
from chainkit.outbox import OutboxMessage, utcnow
from chainkit.uow import SqlUnitOfWork
from logistics.adapters.repository import SqlShipmentRepository

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


class LogisticsUnitOfWork(SqlUnitOfWork):
    shipments: SqlShipmentRepository

    def _start(self) -> None:
        self.shipments = SqlShipmentRepository(self.session)
        self._events: list[OutgoingEvent] = []

    def emit(self, event: OutgoingEvent) -> None:
        """Queue an event for the outbox: written (one Core INSERT, no ORM objects to
        flush) only if this transaction commits."""
        self._events.append(event)
        self._emitted = True  # the base class wakes the relay after the commit

    async def commit(self) -> None:
        try:
            if self._events:
                now = utcnow()
                await self.session.execute(
                    insert(OUTBOX),
                    [
                        {
                            "event_id": e.event_id,
                            "subject": e.subject,
                            "data": e.data,
                            "created_at": now,
                        }
                        for e in self._events
                    ],
                )
                self._events = []
            await super().commit()
        except IntegrityError as e:
            # A concurrent writer took the same unique key first (same shipment, same scan).
            raise Retryable("a concurrent change won; retry") from e
