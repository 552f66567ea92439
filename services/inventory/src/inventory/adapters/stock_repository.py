"""Stock levels and the ledger. Every change is one conditional UPDATE the database settles:
never read-then-write, so any number of replicas and racers keep 0 <= reserved <= on_hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from inventory.adapters.ledger_queries import LedgerQueries
from inventory.adapters.tables import (
    location_t,
    movement_t,
    product_t,
    stock_t,
    transfer_line_t,
    transfer_t,
    utcnow,
)
from inventory.domain.allocation import Candidate
from inventory.domain.model import Movement, SkuQty, StockLevel
from inventory.domain.transfer import TransferState
from inventory.service_layer.ports import Availability, Pair

_c = stock_t.c
_loc = location_t.c

# Reserve's statements, built once: building statements and their cache keys on every call
# was a large share of Reserve's CPU (py-spy on services/inventory/bench).
_HOME: BindParameter[str] = bindparam("p_home")
_HOME_LOC = location_t.alias("home_loc")
# Every requested SKU that exists, each with its available stock and, where that location is
# eligible (shared, or the home location), the location's facts; and whether the home
# location exists: Reserve's reads in one round trip. Flat LEFT JOINs, not a nested join,
# which SQLite would materialise whole on every call.
_AVAILABILITY = (
    select(
        product_t.c.sku,
        _c.location_id,
        _loc.location_id.label("eligible_location_id"),
        _loc.region,
        _loc.priority,
        _loc.share_online,
        _loc.lat,
        _loc.lon,
        (_c.on_hand - _c.reserved).label("available"),
        select(literal(1))
        .where(_HOME_LOC.c.location_id == _HOME)
        .scalar_subquery()
        .label("home_found"),
    )
    .select_from(
        product_t.outerjoin(
            stock_t, and_(_c.sku == product_t.c.sku, _c.on_hand - _c.reserved > 0)
        ).outerjoin(
            location_t,
            and_(
                _loc.location_id == _c.location_id,
                or_(_loc.share_online.is_(True), _loc.location_id == _HOME),
            ),
        )
    )
    .where(product_t.c.sku.in_(bindparam("p_skus", expanding=True)))
)
# The conditional UPDATE hands back the row it changed (no row: fewer units than asked),
# so the low-stock check needs no read of its own.
_RESERVE_UNITS = (
    update(stock_t)
    .where(
        _c.sku == bindparam("p_sku"),
        _c.location_id == bindparam("p_location_id"),
        _c.on_hand - _c.reserved >= bindparam("p_qty"),
    )
    .values(reserved=_c.reserved + bindparam("p_qty"), updated_at=bindparam("p_now"))
    .returning(
        _c.sku, _c.location_id, _c.on_hand, _c.reserved, _c.low_stock_threshold, _c.low_stock
    )
)
_RECORD = insert(movement_t)


def _level(row: Any, in_transit: int = 0) -> StockLevel:
    return StockLevel(
        sku=row.sku,
        location_id=row.location_id,
        on_hand=row.on_hand,
        reserved=row.reserved,
        low_stock_threshold=row.low_stock_threshold,
        low_stock=bool(row.low_stock),
        in_transit=in_transit,
    )


class SqlStockRepository(LedgerQueries):
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

    async def levels(self, *, sku: str = "", location_id: str = "") -> list[StockLevel]:
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
        rows = await self._session.execute(query)
        return [_level(row, int(row.in_transit)) for row in rows]

    async def levels_for(self, pairs: Sequence[Pair]) -> list[StockLevel]:
        if not pairs:
            return []
        keys = [and_(_c.sku == sku, _c.location_id == loc) for sku, loc in pairs]
        rows = await self._session.execute(select(stock_t).where(or_(*keys)))
        return [_level(row) for row in rows]

    async def low_levels(self, *, sku: str = "", location_id: str = "") -> list[StockLevel]:
        query = (
            select(stock_t)
            .where(_c.low_stock_threshold > 0, _c.on_hand - _c.reserved <= _c.low_stock_threshold)
            .order_by(_c.location_id, _c.sku)
        )
        if sku:
            query = query.where(_c.sku == sku)
        if location_id:
            query = query.where(_c.location_id == location_id)
        return [_level(row) for row in await self._session.execute(query)]

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
        return {row.sku: _level(row) for row in result}

    async def availability(self, skus: Sequence[str], home_location_id: str) -> Availability:
        rows = await self._session.execute(
            _AVAILABILITY, {"p_skus": list(set(skus)), "p_home": home_location_id}
        )
        seen = Availability(known=set(), candidates=[])
        for row in rows:
            seen.known.add(row.sku)
            seen.home_found = row.home_found is not None
            if row.eligible_location_id is not None:
                seen.candidates.append(
                    Candidate(
                        location_id=row.location_id,
                        sku=row.sku,
                        region=row.region,
                        priority=row.priority,
                        available=row.available,
                        share_online=bool(row.share_online),
                        lat=row.lat,
                        lon=row.lon,
                    )
                )
        return seen

    async def _guarded(
        self, sku: str, location_id: str, guard: ColumnElement[bool], **values: Any
    ) -> bool:
        result = await self._session.execute(
            update(stock_t)
            .where(_c.sku == sku, _c.location_id == location_id, guard)
            .values(updated_at=utcnow(), **values)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def try_reserve(self, sku: str, location_id: str, qty: int) -> StockLevel | None:
        params = {"p_sku": sku, "p_location_id": location_id, "p_qty": qty, "p_now": utcnow()}
        row = (await self._session.execute(_RESERVE_UNITS, params)).first()
        return _level(row) if row is not None else None

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
        now = utcnow()
        await self._session.execute(
            _RECORD,
            [
                {
                    "sku": m.sku,
                    "location_id": m.location_id,
                    "kind": m.kind.value,
                    "reference": m.reference,
                    "on_hand_delta": m.on_hand_delta,
                    "reserved_delta": m.reserved_delta,
                    "actor": m.actor,
                    "reason": m.reason,
                    "created_at": now,
                }
                for m in movements
            ],
        )
