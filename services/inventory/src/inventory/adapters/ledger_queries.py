"""The ledger: its rows, newest-first pages and the reconciliation audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.clock import utcnow
from inventory.adapters.tables import (
    movement_t,
    reservation_line_t,
    reservation_t,
    stock_t,
)
from inventory.domain.ledger import LevelAudit
from inventory.domain.model import Movement, MovementKind, MovementRecord

_m = movement_t.c
_s = stock_t.c


def movement_rows(movements: Sequence[Movement], now: datetime) -> list[dict[str, Any]]:
    """Ledger lines as inv_movement rows, all stamped `now`."""
    return [
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
    ]


class LedgerQueries:
    _session: AsyncSession

    async def movements(
        self, *, sku: str, location_id: str, before_id: int, limit: int
    ) -> list[MovementRecord]:
        # Keyset pagination on the id (newest first): flat cost however deep the page.
        query = select(movement_t).order_by(_m.id.desc()).limit(limit)
        if sku:
            query = query.where(_m.sku == sku)
        if location_id:
            query = query.where(_m.location_id == location_id)
        if before_id:
            query = query.where(_m.id < before_id)
        out = []
        for row in await self._session.execute(query):
            at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            movement = Movement(
                row.sku,
                row.location_id,
                MovementKind(row.kind),
                row.reference,
                row.on_hand_delta,
                row.reserved_delta,
                row.actor,
                row.reason,
            )
            out.append(MovementRecord(row.id, movement, at))
        return out

    async def audit(self) -> list[LevelAudit]:
        r, line = reservation_t.c, reservation_line_t.c
        ledger = (
            select(
                _m.sku,
                _m.location_id,
                func.sum(_m.on_hand_delta).label("on_hand"),
                func.sum(_m.reserved_delta).label("reserved"),
            )
            .group_by(_m.sku, _m.location_id)
            .subquery()
        )
        held = (
            select(line.sku, line.location_id, func.sum(line.qty).label("qty"))
            .join(reservation_t, r.reservation_id == line.reservation_id)
            .where(r.state == "held")
            .group_by(line.sku, line.location_id)
            .subquery()
        )
        zero = literal(0)
        levels = select(
            _s.sku,
            _s.location_id,
            _s.on_hand,
            _s.reserved,
            func.coalesce(ledger.c.on_hand, 0),
            func.coalesce(ledger.c.reserved, 0),
            func.coalesce(held.c.qty, 0),
        ).select_from(
            stock_t.outerjoin(
                ledger, and_(ledger.c.sku == _s.sku, ledger.c.location_id == _s.location_id)
            ).outerjoin(held, and_(held.c.sku == _s.sku, held.c.location_id == _s.location_id))
        )
        orphans = select(
            ledger.c.sku,
            ledger.c.location_id,
            zero,
            zero,
            ledger.c.on_hand,
            ledger.c.reserved,
            zero,
        ).where(~exists().where(_s.sku == ledger.c.sku, _s.location_id == ledger.c.location_id))
        # One statement: one snapshot, even under PostgreSQL's READ COMMITTED.
        rows = await self._session.execute(union_all(levels, orphans))
        return [
            LevelAudit(sku, loc, int(on_hand), int(reserved), int(l_on), int(l_res), int(held))
            for sku, loc, on_hand, reserved, l_on, l_res, held in rows
        ]

    async def force_reserved(self, sku: str, location_id: str, delta: int) -> bool:
        result = await self._session.execute(
            update(stock_t)
            .where(_s.sku == sku, _s.location_id == location_id)
            .values(reserved=_s.reserved + delta, updated_at=utcnow())
        )
        return cast(CursorResult[Any], result).rowcount == 1
