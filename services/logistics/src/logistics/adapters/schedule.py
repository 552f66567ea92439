"""The poll schedule, the stalled flag and push-gap alerts in SQL.

Every change that more than one replica might attempt at once is a conditional UPDATE
whose row count says who won: replicas need no lock between them, in process or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from logistics.adapters.tables import CarrierStateRow, ShipmentRow
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TERMINAL_STATUSES, TrackingEvent, TrackingStatus, as_utc

TERMINAL = [s.value for s in TERMINAL_STATUSES]
SHIPMENT: Table = ShipmentRow.__table__  # type: ignore[attr-defined]


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _under_way() -> list[ColumnElement[bool]]:
    return [col(ShipmentRow.status).not_in(TERMINAL), col(ShipmentRow.cancelled_at).is_(None)]


class ScheduleQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def due_polls(
        self, carriers: Sequence[str], *, now: datetime, limit: int
    ) -> list[Shipment]:
        due = col(ShipmentRow.next_poll_at)
        stmt = (
            select(SHIPMENT)
            .where(col(ShipmentRow.carrier).in_(list(carriers)), due <= now, *_under_way())
            .order_by(due)
            .limit(limit)
        )
        return [shipment_of(row, []) for row in await self._session.execute(stmt)]

    async def claim_polls(
        self, shipments: Sequence[Shipment], *, now: datetime, lease_until: datetime
    ) -> list[Shipment]:
        if not shipments:
            return []
        # One conditional UPDATE; RETURNING names the rows still due, i.e. the ones we won.
        won = await self._session.execute(
            update(SHIPMENT)
            .where(
                SHIPMENT.c.shipment_id.in_([s.shipment_id for s in shipments]),
                SHIPMENT.c.next_poll_at <= now,
                *_under_way(),
            )
            .values(next_poll_at=lease_until)
            .returning(SHIPMENT.c.shipment_id)
        )
        ids = set(won.scalars())
        return [s for s in shipments if s.shipment_id in ids]

    async def reschedule_poll(
        self,
        shipment_id: str,
        *,
        normal_at: datetime,
        near_at: datetime,
        near_statuses: Sequence[TrackingStatus],
    ) -> None:
        near = col(ShipmentRow.status).in_([s.value for s in near_statuses])
        await self._session.execute(
            update(ShipmentRow)
            .execution_options(synchronize_session=False)
            .where(col(ShipmentRow.shipment_id) == shipment_id, *_under_way())
            .values(next_poll_at=case((near, near_at), else_=normal_at))
        )

    async def postpone_polls(self, carrier: str, *, until: datetime) -> int:
        result = await self._session.execute(
            update(ShipmentRow)
            .execution_options(synchronize_session=False)
            .where(
                col(ShipmentRow.carrier) == carrier,
                col(ShipmentRow.next_poll_at) < until,
                *_under_way(),
            )
            .values(next_poll_at=until)
        )
        return _rowcount(result)

    async def stall_candidates(
        self, carrier: str, status: TrackingStatus, *, silent_before: datetime, limit: int
    ) -> list[Shipment]:
        stmt = (
            select(SHIPMENT)
            .where(
                col(ShipmentRow.status) == status.value,
                col(ShipmentRow.last_update_at) < silent_before,
                col(ShipmentRow.carrier) == carrier,
                col(ShipmentRow.stalled_at).is_(None),
                col(ShipmentRow.cancelled_at).is_(None),
            )
            .order_by(col(ShipmentRow.last_update_at))
            .limit(limit)
        )
        return [shipment_of(row, []) for row in await self._session.execute(stmt)]

    async def flag_stalled(
        self, shipment: Shipment, *, now: datetime, silent_before: datetime
    ) -> bool:
        result = await self._session.execute(
            update(ShipmentRow)
            .execution_options(synchronize_session=False)
            .where(
                col(ShipmentRow.shipment_id) == shipment.shipment_id,
                col(ShipmentRow.stalled_at).is_(None),
                col(ShipmentRow.status) == shipment.status.value,
                col(ShipmentRow.last_update_at) < silent_before,
                col(ShipmentRow.cancelled_at).is_(None),
            )
            .values(stalled_at=now)
        )
        return _rowcount(result) == 1

    async def push_gap_facts(
        self, carrier: str, *, created_before: datetime
    ) -> tuple[int, datetime | None]:
        waiting = await self._session.execute(
            select(func.count()).where(
                col(ShipmentRow.carrier) == carrier,
                col(ShipmentRow.created_at) < created_before,
                *_under_way(),
            )
        )
        newest = await self._session.execute(
            select(func.max(ShipmentRow.last_scan_at)).where(col(ShipmentRow.carrier) == carrier)
        )
        last: datetime | None = newest.scalar_one_or_none()
        return int(waiting.scalar_one()), as_utc(last) if last else None

    async def set_push_gap(self, carrier: str, *, since: datetime | None) -> bool:
        key = col(CarrierStateRow.carrier) == carrier
        if (await self._session.execute(select(CarrierStateRow).where(key))).first() is None:
            # A concurrent replica inserting too fails at commit (Retryable): next sweep.
            self._session.add(CarrierStateRow(carrier=carrier))
            await self._session.flush()
        gap = col(CarrierStateRow.push_gap_since)
        open_or_close = gap.is_(None) if since is not None else gap.is_not(None)
        result = await self._session.execute(
            update(CarrierStateRow)
            .execution_options(synchronize_session=False)
            .where(key, open_or_close)
            .values(push_gap_since=since)
        )
        return _rowcount(result) == 1

    async def open_push_gaps(self) -> dict[str, datetime]:
        since = col(CarrierStateRow.push_gap_since)
        rows = await self._session.execute(
            select(col(CarrierStateRow.carrier), since).where(since.is_not(None))
        )
        return {carrier: as_utc(at) for carrier, at in rows if at is not None}

    async def count_stalled(self) -> int:
        stalled = col(ShipmentRow.stalled_at)
        return int(
            await self._session.scalar(select(func.count()).where(stalled.is_not(None))) or 0
        )


def shipment_of(row: Any, events: list[TrackingEvent]) -> Shipment:
    """A shipment from a `log_shipment` row (an ORM object or a Core row alike)."""

    def utc(moment: datetime | None) -> datetime | None:
        return as_utc(moment) if moment is not None else None

    return Shipment(
        shipment_id=row.shipment_id,
        order_id=row.order_id,
        store_id=row.store_id,
        location_id=row.location_id,
        carrier=row.carrier,
        waybill_no=row.waybill_no,
        carrier_reason=row.carrier_reason,
        region=row.region,
        city=row.city,
        weight_g=row.weight_g,
        created_at=as_utc(row.created_at),
        estimated_delivery_at=as_utc(row.estimated_delivery_at),
        status=TrackingStatus(row.status),
        last_update_at=utc(row.last_update_at),
        events=events,
        service_level=row.service_level,
        price=row.price,
        origin_region=row.origin_region,
        cancelled_at=utc(row.cancelled_at),
        cancel_reason=row.cancel_reason,
        stalled_at=utc(row.stalled_at),
        customer_id=row.customer_id,
        order_no=row.order_no,
    )
