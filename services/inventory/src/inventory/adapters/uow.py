"""The inventory unit of work: chainkit's transaction plus our repositories."""

from __future__ import annotations

from chainkit.uow import SqlUnitOfWork
from inventory.adapters.catalog_repository import SqlLocationRepository, SqlProductRepository
from inventory.adapters.reservation_repository import SqlReservationRepository, SqlSaleRepository
from inventory.adapters.stock_repository import SqlStockRepository
from inventory.adapters.transfer_repository import SqlCommandLog, SqlTransferRepository


class InventoryUnitOfWork(SqlUnitOfWork):
    locations: SqlLocationRepository
    products: SqlProductRepository
    stock: SqlStockRepository
    reservations: SqlReservationRepository
    sales: SqlSaleRepository
    transfers: SqlTransferRepository
    commands: SqlCommandLog

    def _start(self) -> None:
        dialect = self.session.get_bind().dialect.name
        self.locations = SqlLocationRepository(self.session)
        self.products = SqlProductRepository(self.session)
        self.stock = SqlStockRepository(self.session, dialect)
        self.reservations = SqlReservationRepository(self.session)
        self.sales = SqlSaleRepository(self.session)
        self.transfers = SqlTransferRepository(self.session)
        self.commands = SqlCommandLog(self.session, dialect)
