"""The orders unit of work: chainkit's SQL transaction plus our repositories."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from chainkit.errors import AlreadyExists
from chainkit.uow import SqlUnitOfWork
from orders.adapters import event_codec
from orders.adapters.order_repository import SqlOrderRepository
from orders.adapters.repositories import (
    SqlCounterRepository,
    SqlIdempotencyRepository,
    SqlStoreRepository,
)
from orders.adapters.sales_repository import SqlSalesRepository
from orders.domain.order import Order


class SqlOrdersUnitOfWork(SqlUnitOfWork):
    stores: SqlStoreRepository
    orders: SqlOrderRepository
    counters: SqlCounterRepository
    idempotency: SqlIdempotencyRepository
    sales: SqlSalesRepository

    def _start(self) -> None:
        self.stores = SqlStoreRepository(self.session)
        self.orders = SqlOrderRepository(self.session, self.stage)
        self.counters = SqlCounterRepository(self.session)
        self.idempotency = SqlIdempotencyRepository(self.session, self.stage)
        self.sales = SqlSalesRepository(self.session)

    def publish(self, order: Order, causation_id: str = "") -> None:
        for event in event_codec.encode(order, order.events, causation_id):
            self.emit(event)
        order.events.clear()

    async def commit(self) -> None:
        try:
            await super().commit()
        except IntegrityError as e:
            # A concurrent twin wrote the same keys first; callers settle it by replaying.
            raise AlreadyExists("already recorded by a concurrent request") from e
