"""Stock levels and the ledger. Every change is one conditional UPDATE the database settles:
never read-then-write, so any number of replicas and racers keep 0 <= reserved <= on_hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.bulk import insert_rows
from chainkit.clock import utcnow
from inventory.adapters.ledger_queries import LedgerQueries, movement_rows
from inventory.adapters.reserve_queries import ReserveQueries, level_of
from inventory.adapters.tables import (
    movement_t,
    stock_t,
    transfer_line_t,
    transfer_t,
)
from inventory.domain.model import Movement, SkuQty, StockLevel
from inventory.domain.transfer import TransferState
from inventory.service_layer.ports import Pair

_c = stock_t.c


def _page(query: Select[Any], after: tuple[str, str] | None, limit: int) -> Select[Any]:
    """Keyset on the primary key order (location_id, sku): flat however deep; limit 0 = all."""
    if after is not None:
        last_location, last_sku = after
        query = query.where(
            or_(
                _c.location_id > last_location,
                and_(_c.location_id == last_location, _c.sku > last_sku),
            )
        )
    return query.limit(limit) if limit else query


class SqlStockRepository(LedgerQueries, ReserveQueries):
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    def _insert(self) -> Any:
        return pg_insert if self._dialect == "postgresql" else sqlite_insert

    async def receive(self, location_id: str, lines: Sequence[SkuQty]) -> None:
        make = self._insert()
        now = utcnow()
        # Sorted so concurrent multi-row transactions lock rows in one order (no deadlock).
        for line in sorted(lines, key=lambda x: x.sku):
            stmt = make(stock_t).values(
                sku=line.sku,
                location_id=location_id,
                on_hand=line.qty,
                reserved=0,
                low_stock_threshold=0,
                low_stock=False,
                updated_at=now,
            )
            await self._session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[_c.sku, _c.location_id],
                    set_={"on_hand": _c.on_hand + stmt.excluded.on_hand, "updated_at": now},
                )
            )

    async def levels(
        self,
        *,
        sku: str = "",
        location_id: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> list[StockLevel]:
        t, line = transfer_t.c, transfer_line_t.c
        transit = (
            select(
                t.to_location_id.label("location_id"),
                line.sku,
                func.sum(line.qty_shipped - line.qty_received).label("qty"),
            )
            .join(transfer_t, t.transfer_id == line.transfer_id)
            .where(t.state == TransferState.IN_TRANSIT.value)
            .group_by(t.to_location_id, line.sku)
            .subquery()
        )
        query = (
            select(stock_t, func.coalesce(transit.c.qty, 0).label("in_transit"))
            .outerjoin(
                transit, and_(transit.c.location_id == _c.location_id, transit.c.sku == _c.sku)
            )
            .order_by(_c.location_id, _c.sku)
        )
        if sku:
            query = query.where(_c.sku == sku)
        if location_id:
            query = query.where(_c.location_id == location_id)
        rows = await self._session.execute(_page(query, after, limit))
        return [level_of(row, int(row.in_transit)) for row in rows]

    async def levels_for(self, pairs: Sequence[Pair]) -> list[StockLevel]:
        if not pairs:
            return []
        keys = [and_(_c.sku == sku, _c.location_id == loc) for sku, loc in pairs]
        rows = await self._session.execute(select(stock_t).where(or_(*keys)))
        return [level_of(row) for row in rows]

    async def low_levels(
        self,
        *,
        sku: str = "",
        location_id: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> list[StockLevel]:
        query = (
            select(stock_t)
            .where(_c.low_stock_threshold > 0, _c.on_hand - _c.reserved <= _c.low_stock_threshold)
            .order_by(_c.location_id, _c.sku)
        )
        if sku:
            query = query.where(_c.sku == sku)
        if location_id:
            query = query.where(_c.location_id == location_id)
        return [level_of(row) for row in await self._session.execute(_page(query, after, limit))]

    async def set_threshold(self, sku: str, location_id: str, threshold: int) -> None:
        now = utcnow()
        stmt = self._insert()(stock_t).values(
            sku=sku,
            location_id=location_id,
            on_hand=0,
            reserved=0,
            low_stock_threshold=threshold,
            low_stock=False,
            updated_at=now,
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[_c.sku, _c.location_id],
                set_={"low_stock_threshold": threshold, "updated_at": now},
            )
        )

    async def set_low_stock(self, sku: str, location_id: str, *, expected: bool) -> bool:
        return await self._guarded(
            sku, location_id, _c.low_stock.is_(expected), low_stock=not expected
        )

    async def levels_at(self, location_id: str, skus: Sequence[str]) -> dict[str, StockLevel]:
        result = await self._session.execute(
            select(stock_t).where(_c.location_id == location_id, _c.sku.in_(list(skus)))
        )
        return {row.sku: level_of(row) for row in result}

    async def _guarded(
        self, sku: str, location_id: str, guard: ColumnElement[bool], **values: Any
    ) -> bool:
        result = await self._session.execute(
            update(stock_t)
            .where(_c.sku == sku, _c.location_id == location_id, guard)
            .values(updated_at=utcnow(), **values)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def try_commit(self, sku: str, location_id: str, qty: int) -> bool:
        return await self._guarded(
            sku,
            location_id,
            _c.reserved >= qty,
            on_hand=_c.on_hand - qty,
            reserved=_c.reserved - qty,
        )

    async def try_free(self, sku: str, location_id: str, qty: int) -> bool:
        return await self._guarded(sku, location_id, _c.reserved >= qty, reserved=_c.reserved - qty)

    async def restock(self, sku: str, location_id: str, qty: int) -> bool:
        return await self._guarded(sku, location_id, true(), on_hand=_c.on_hand + qty)

    async def try_adjust(self, sku: str, location_id: str, delta: int) -> bool:
        # Never below what online orders hold (nor below zero: reserved >= 0).
        return await self._guarded(
            sku, location_id, _c.on_hand + delta >= _c.reserved, on_hand=_c.on_hand + delta
        )

    async def try_sell(self, sku: str, location_id: str, qty: int) -> bool:
        # Only unreserved units: a till never takes what an online order holds.
        return await self._guarded(
            sku, location_id, _c.on_hand - _c.reserved >= qty, on_hand=_c.on_hand - qty
        )

    async def record(self, movements: Sequence[Movement]) -> None:
        if not movements:
            return
        await insert_rows(self._session, movement_t, movement_rows(movements, utcnow()))
