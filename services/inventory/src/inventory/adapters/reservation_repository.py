"""Reservations (with their allocations) and till sales in SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.clock import utcnow
from chainkit.errors import Retryable
from chainkit.raw_sql import RawQuery
from inventory.adapters.tables import reservation_line_t, reservation_t, sale_t
from inventory.domain.allocation import Allocation
from inventory.domain.model import Sale, SkuQty
from inventory.domain.reservation import Reservation, ReservationState
from inventory.service_layer.ports import NewReservation

_r = reservation_t.c
_line = reservation_line_t.c
# Built once: Reserve runs these on every call (see stock_repository).
_GET = select(reservation_t).where(_r.reservation_id == bindparam("p_id"))
_GET_MANY = select(reservation_t).where(_r.reservation_id.in_(bindparam("p_ids", expanding=True)))
_EXISTING = RawQuery(
    sqlite="SELECT reservation_id FROM inv_reservation WHERE reservation_id IN "
    "(SELECT value FROM json_each(?))",
    # unnest drives the look-up: a key probe per id (see reserve_queries).
    postgresql="SELECT r.reservation_id FROM unnest($1::text[]) AS q(id) "
    "JOIN inv_reservation AS r ON r.reservation_id = q.id",
    standalone_read=True,
)
_LINES_OF = (
    select(reservation_line_t)
    .where(_line.reservation_id.in_(bindparam("p_ids", expanding=True)))
    .order_by(_line.id)
)


def aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written as UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def reservation_rows(
    new: Sequence[NewReservation], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New reservations as inv_reservation rows and their allocations as line rows."""
    reservations = [
        {
            "reservation_id": x.reservation.reservation_id,
            "state": x.reservation.state.value,
            "region": x.region,
            "home_location_id": x.home_location_id,
            "strategy": x.strategy,
            "expires_at": x.reservation.expires_at,
            "release_reason": "",
            "restocked": False,
            "created_at": now,
            "updated_at": now,
        }
        for x in new
    ]
    lines = [
        {
            "reservation_id": x.reservation.reservation_id,
            "location_id": a.location_id,
            "sku": a.sku,
            "qty": a.qty,
            "reason": a.reason,
        }
        for x in new
        for a in x.reservation.allocations
    ]
    return reservations, lines


def raise_if_taken(error: IntegrityError) -> None:
    """A reservation id already stored (a caller's retry, or a concurrent call that got
    there first) is Retryable: the next attempt looks the ids up and replays them. Any
    other broken constraint is left to propagate."""
    table = getattr(error.orig, "table_name", None)  # asyncpg names the table
    # SQLite only says it: "UNIQUE constraint failed: inv_reservation.reservation_id".
    if table == reservation_t.name or (
        table is None and f"failed: {reservation_t.name}." in str(error.orig)
    ):
        raise Retryable("a reservation id in this batch is already stored") from error


class SqlReservationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, reservation_id: str) -> Reservation | None:
        row = (await self._session.execute(_GET, {"p_id": reservation_id})).first()
        if row is None:
            return None
        [found] = await self._with_lines([row])
        return found

    async def get_many(self, reservation_ids: Sequence[str]) -> dict[str, Reservation]:
        # Nearly always none exists (ids are new): ask which do, straight to the driver,
        # and load only those.
        found = [row[0] for row in await _EXISTING.fetch(self._session, list(reservation_ids))]
        if not found:
            return {}
        rows = (await self._session.execute(_GET_MANY, {"p_ids": found})).all()
        return {r.reservation_id: r for r in await self._with_lines(rows)}

    async def transition(
        self, reservation_id: str, expected: ReservationState, new: Reservation
    ) -> bool:
        r = reservation_t.c
        result = await self._session.execute(
            update(reservation_t)
            .where(r.reservation_id == reservation_id, r.state == expected.value)
            .values(
                state=new.state.value,
                release_reason=new.release_reason,
                restocked=new.restocked,
                updated_at=utcnow(),
            )
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def held_expired(self, now: datetime, limit: int) -> list[str]:
        r = reservation_t.c
        result = await self._session.execute(
            select(r.reservation_id)
            .where(r.state == ReservationState.HELD.value, r.expires_at <= now)
            .order_by(r.expires_at)
            .limit(limit)
        )
        return list(result.scalars())

    async def page(
        self, state: ReservationState, *, created_before: datetime | None, after_id: str, limit: int
    ) -> list[Reservation]:
        # Keyset on the primary key: flat cost however deep the page; lines in one more query.
        query = (
            select(reservation_t)
            .where(_r.state == state.value, _r.reservation_id > after_id)
            .order_by(_r.reservation_id)
            .limit(limit)
        )
        if created_before is not None:
            query = query.where(_r.created_at < created_before)
        return await self._with_lines((await self._session.execute(query)).all())

    async def _with_lines(self, rows: Sequence[Any]) -> list[Reservation]:
        """Reservations from their rows, with every allocation in one more query."""
        if not rows:
            return []
        found: dict[str, list[Allocation]] = {row.reservation_id: [] for row in rows}
        lines = await self._session.execute(_LINES_OF, {"p_ids": list(found)})
        for x in lines:
            found[x.reservation_id].append(Allocation(x.location_id, x.sku, x.qty, x.reason))
        return [
            Reservation(
                reservation_id=row.reservation_id,
                state=ReservationState(row.state),
                allocations=tuple(found[row.reservation_id]),
                expires_at=aware(row.expires_at),
                release_reason=row.release_reason,
                restocked=bool(row.restocked),
            )
            for row in rows
        ]


class SqlSaleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, sale_id: str) -> Sale | None:
        row = (
            await self._session.execute(select(sale_t).where(sale_t.c.sale_id == sale_id))
        ).first()
        if row is None:
            return None
        lines = tuple(SkuQty(x["sku"], int(x["qty"])) for x in json.loads(row.lines))
        return Sale(sale_id=row.sale_id, location_id=row.location_id, lines=lines)

    async def add(self, sale: Sale) -> None:
        try:
            await self._session.execute(
                insert(sale_t).values(
                    sale_id=sale.sale_id,
                    location_id=sale.location_id,
                    lines=json.dumps([{"sku": x.sku, "qty": x.qty} for x in sale.lines]),
                    created_at=utcnow(),
                )
            )
        except IntegrityError as e:
            raise Retryable(f"sale {sale.sale_id} is being recorded") from e
