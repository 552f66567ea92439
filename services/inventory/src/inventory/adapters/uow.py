"""The inventory unit of work: chainkit's transaction plus our repositories, the event codec,
and Reserve's lock choreography (SQLite's writer queue and BEGIN IMMEDIATE after the reads;
PostgreSQL's single WITH statement is in reserve_queries)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.clock import utcnow
from chainkit.db import SQLITE_DEFER_BEGIN
from chainkit.outbox import OUTBOX, outbox_rows
from chainkit.raw_sql import RawQuery
from chainkit.uow import EventsCommitted, SqlUnitOfWork
from inventory.adapters.catalog_repository import SqlLocationRepository, SqlProductRepository
from inventory.adapters.event_codec import encode
from inventory.adapters.reservation_repository import (
    SqlReservationRepository,
    SqlSaleRepository,
    raise_if_taken,
    reservation_rows,
)
from inventory.adapters.stock_repository import SqlStockRepository
from inventory.adapters.tables import reservation_line_t, reservation_t
from inventory.adapters.transfer_repository import SqlCommandLog, SqlTransferRepository
from inventory.domain.events import Event
from inventory.domain.model import Movement, StockLevel
from inventory.service_layer.ports import Availability, NewReservation, Pair

_BEGIN_IMMEDIATE = RawQuery(sqlite="BEGIN IMMEDIATE", postgresql="")  # SQLite only


class InventoryUnitOfWork(SqlUnitOfWork):
    locations: SqlLocationRepository
    products: SqlProductRepository
    stock: SqlStockRepository
    reservations: SqlReservationRepository
    sales: SqlSaleRepository
    transfers: SqlTransferRepository
    commands: SqlCommandLog

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: EventsCommitted | None = None,
        sqlite_writers: asyncio.Lock | None = None,
    ) -> None:
        super().__init__(sessions, on_events_committed)
        self._sqlite_writers = sqlite_writers
        self._queued_writer = False
        self._begin_deferred = False  # SQLite: reads ran outside a transaction so far

    def _start(self) -> None:
        self._dialect = dialect = self.session.get_bind().dialect.name
        self.locations = SqlLocationRepository(self.session)
        self.products = SqlProductRepository(self.session)
        self.stock = SqlStockRepository(self.session, dialect)
        self.reservations = SqlReservationRepository(self.session)
        self.sales = SqlSaleRepository(self.session)
        self.transfers = SqlTransferRepository(self.session)
        self.commands = SqlCommandLog(self.session, dialect)

    def publish(self, events: Iterable[Event]) -> None:
        for envelope in encode(events):
            self.emit(envelope)

    async def read_for_reserve(
        self, skus: Sequence[str], home_location_ids: Sequence[str], look_up: Sequence[str]
    ) -> Availability:
        """See ports.UnitOfWork. SQLite has one write lock and BEGIN IMMEDIATE takes it up
        front, so every statement in a transaction is paid for by every writer queued behind
        it: these reads run as autocommit statements instead, and `hold` begins the write
        transaction. A batch that holds nothing never takes the lock."""
        if self._dialect == "sqlite":
            await self.session.connection(execution_options={SQLITE_DEFER_BEGIN: True})
            self._begin_deferred = True
        existing = await self.reservations.get_many(look_up) if look_up else {}
        seen = await self.stock.availability(skus, home_location_ids)
        seen.existing = existing
        return seen

    async def hold(
        self,
        new: Sequence[NewReservation],
        movements: Sequence[Movement],
        events: Sequence[Event],
    ) -> list[StockLevel] | None:
        """See ports.UnitOfWork. The rows go in with the stock UPDATE: on PostgreSQL in
        its WITH, one statement (four round trips fewer than one statement each)."""
        units: dict[Pair, int] = {}
        for x in new:
            for a in x.reservation.allocations:
                units[(a.sku, a.location_id)] = units.get((a.sku, a.location_id), 0) + a.qty
        envelopes = encode(events)
        now = utcnow()
        reservations, lines = reservation_rows(new, now)
        along = [
            (reservation_t, reservations),
            (reservation_line_t, lines),
            (OUTBOX, outbox_rows(envelopes, now)),
        ]
        await self._begin_writing()
        try:
            levels = await self.stock.try_reserve_all(units, movements, along)
        except IntegrityError as e:
            raise_if_taken(e)
            raise
        if levels is not None:
            self.wrote_events(envelopes)
        return levels

    async def _begin_writing(self) -> None:
        """SQLite, after read_for_reserve: the write transaction begins here.

        Our writers queue here, first come first served, rather than in SQLite's busy
        handler, which polls with sleeps of up to 100 ms and leaves the lock idle between
        holders (p99 > 1 s at 64 clients). Not a correctness lock: BEGIN IMMEDIATE and the
        conditional UPDATEs still settle everything, across replicas too.
        """
        if not self._begin_deferred:
            return
        self._begin_deferred = False
        if self._sqlite_writers is not None:
            await self._sqlite_writers.acquire()
            self._queued_writer = True
        await _BEGIN_IMMEDIATE.fetch(self.session)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            if self._queued_writer and self._sqlite_writers is not None:
                self._queued_writer = False
                self._sqlite_writers.release()
