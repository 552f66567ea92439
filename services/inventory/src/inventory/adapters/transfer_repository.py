"""Transfers in transit, and the log of applied stock commands, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.clock import utcnow
from chainkit.errors import Retryable
from inventory.adapters.reservation_repository import aware
from inventory.adapters.tables import applied_command_t, transfer_line_t, transfer_t
from inventory.domain.transfer import Transfer, TransferLine, TransferState

_t = transfer_t.c
_l = transfer_line_t.c


class SqlTransferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, transfer_id: str) -> Transfer | None:
        row = (
            await self._session.execute(select(transfer_t).where(_t.transfer_id == transfer_id))
        ).first()
        if row is None:
            return None
        return (await self._with_lines([row]))[0]

    async def list_to(
        self, to_location_id: str, state: TransferState, limit: int
    ) -> list[Transfer]:
        rows = (
            await self._session.execute(
                select(transfer_t)
                .where(_t.to_location_id == to_location_id, _t.state == state.value)
                .order_by(_t.created_at.desc(), _t.transfer_id.desc())
                .limit(limit)
            )
        ).all()
        return await self._with_lines(rows)

    async def _with_lines(self, rows: Sequence[Any]) -> list[Transfer]:
        ids = [row.transfer_id for row in rows]
        lines: dict[str, list[TransferLine]] = {i: [] for i in ids}
        if ids:
            found = await self._session.execute(
                select(transfer_line_t)
                .where(_l.transfer_id.in_(ids))
                .order_by(_l.transfer_id, _l.sku)
            )
            for x in found:
                lines[x.transfer_id].append(TransferLine(x.sku, x.qty_shipped, x.qty_received))
        return [
            Transfer(
                transfer_id=row.transfer_id,
                from_location_id=row.from_location_id,
                to_location_id=row.to_location_id,
                state=TransferState(row.state),
                lines=tuple(lines[row.transfer_id]),
                created_at=aware(row.created_at),
            )
            for row in rows
        ]

    async def add(self, transfer: Transfer, actor: str) -> None:
        now = utcnow()
        try:
            await self._session.execute(
                insert(transfer_t).values(
                    transfer_id=transfer.transfer_id,
                    from_location_id=transfer.from_location_id,
                    to_location_id=transfer.to_location_id,
                    state=transfer.state.value,
                    actor=actor,
                    created_at=transfer.created_at or now,
                    updated_at=now,
                )
            )
        except IntegrityError as e:
            raise Retryable(f"transfer {transfer.transfer_id} is being created") from e
        await self._session.execute(
            insert(transfer_line_t),
            [
                {
                    "transfer_id": transfer.transfer_id,
                    "sku": x.sku,
                    "qty_shipped": x.qty_shipped,
                    "qty_received": x.qty_received,
                }
                for x in transfer.lines
            ],
        )

    async def try_receive(self, transfer_id: str, sku: str, qty: int) -> bool:
        result = await self._session.execute(
            update(transfer_line_t)
            .where(
                _l.transfer_id == transfer_id,
                _l.sku == sku,
                _l.qty_received + qty <= _l.qty_shipped,
            )
            .values(qty_received=_l.qty_received + qty)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def set_state(self, transfer: Transfer) -> None:
        await self._session.execute(
            update(transfer_t)
            .where(_t.transfer_id == transfer.transfer_id)
            .values(state=transfer.state.value, updated_at=utcnow())
        )

    async def in_transit_to(self, location_id: str) -> dict[str, int]:
        result = await self._session.execute(
            select(_l.sku, func.sum(_l.qty_shipped - _l.qty_received))
            .join(transfer_t, _t.transfer_id == _l.transfer_id)
            .where(_t.to_location_id == location_id, _t.state == TransferState.IN_TRANSIT.value)
            .group_by(_l.sku)
        )
        return {sku: int(qty) for sku, qty in result}


class SqlCommandLog:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def claim(self, command_id: str) -> bool:
        make = pg_insert if self._dialect == "postgresql" else sqlite_insert
        # ON CONFLICT DO NOTHING: a concurrent claim of the same id waits for ours and then
        # matches nothing, without aborting its transaction (an IntegrityError would).
        result = await self._session.execute(
            make(applied_command_t)
            .values(command_id=command_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=[applied_command_t.c.command_id])
        )
        return cast(CursorResult[Any], result).rowcount == 1
