"""The logistics unit of work: chainkit's transaction plus our repositories."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError

from chainkit.errors import Retryable
from chainkit.uow import SqlUnitOfWork
from logistics.adapters.event_codec import encode
from logistics.adapters.repository import SqlShipmentRepository
from logistics.domain.events import LogisticsEvent


class LogisticsUnitOfWork(SqlUnitOfWork):
    shipments: SqlShipmentRepository

    def _start(self) -> None:
        self.shipments = SqlShipmentRepository(self.session)

    def publish(self, events: Iterable[LogisticsEvent]) -> None:
        for event in encode(events):
            self.emit(event)

    async def commit(self) -> None:
        try:
            await super().commit()
        except IntegrityError as e:
            # A concurrent writer took the same unique key first (same shipment, same scan).
            raise Retryable("a concurrent change won; retry") from e
