"""The logistics unit of work: chainkit's transaction plus our repositories."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from chainkit.errors import Retryable
from chainkit.uow import SqlUnitOfWork
from logistics.adapters.repository import SqlShipmentRepository


class LogisticsUnitOfWork(SqlUnitOfWork):
    shipments: SqlShipmentRepository

    def _start(self) -> None:
        self.shipments = SqlShipmentRepository(self.session)

    async def commit(self) -> None:
        try:
            await super().commit()
        except IntegrityError as e:
            # A concurrent writer took the same unique key first (same shipment, same scan).
            raise Retryable("a concurrent change won; retry") from e
