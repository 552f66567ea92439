"""Shipments and their timelines in SQL: Core statements, mapped to domain objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from chainkit.errors import Retryable
from logistics.adapters.tables import ShipmentRow, TrackingEventRow
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import (
    TERMINAL_STATUSES,
    TrackingEvent,
    TrackingStatus,
    as_utc,
)
from logistics.service_layer.ports import ShipmentQuery

_TERMINAL = [s.value for s in TERMINAL_STATUSES]


class SqlShipmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, shipment_id: str, *, for_update: bool = False) -> Shipment | None:
        stmt = select(ShipmentRow).where(col(ShipmentRow.shipment_id) == shipment_id)
        return await self._one(stmt, for_update)

    async def get_by_waybill(
        self, waybill_no: str, carrier: str = "", *, for_update: bool = False
    ) -> Shipment | None:
        stmt = select(ShipmentRow).where(col(ShipmentRow.waybill_no) == waybill_no)
        if carrier:
            stmt = stmt.where(col(ShipmentRow.carrier) == carrier)
        return await self._one(stmt.limit(1), for_update)

    async def add(self, shipment: Shipment) -> None:
        self._session.add(
            ShipmentRow(
                shipment_id=shipment.shipment_id,
                order_id=shipment.order_id,
                store_id=shipment.store_id,
                location_id=shipment.location_id,
                carrier=shipment.carrier,
                waybill_no=shipment.waybill_no,
                carrier_reason=shipment.carrier_reason[:300],
                region=shipment.region,
                city=shipment.city,
                weight_g=shipment.weight_g,
                status=shipment.status.value,
                created_at=shipment.created_at,
                estimated_delivery_at=shipment.estimated_delivery_at,
                last_update_at=shipment.last_update_at,
            )
        )

    async def save(self, shipment: Shipment, new_events: Sequence[TrackingEvent]) -> None:
        received_at = datetime.now(UTC)
        try:
            await self._session.execute(
                update(ShipmentRow)
                .where(col(ShipmentRow.shipment_id) == shipment.shipment_id)
                .values(status=shipment.status.value, last_update_at=shipment.last_update_at)
            )
            if new_events:
                await self._session.execute(
                    insert(TrackingEventRow),
                    [
                        {
                            "shipment_id": shipment.shipment_id,
                            "dedup_key": e.dedup_key[:200],
                            "at": e.at,
                            "status": e.status.value,
                            "raw_code": e.raw_code[:32],
                            "location": e.location[:200],
                            "description": e.description[:500],
                            "received_at": received_at,
                        }
                        for e in new_events
                    ],
                )
        except IntegrityError as e:
            raise Retryable("tracking event stored concurrently; retry") from e

    async def search(self, query: ShipmentQuery) -> list[Shipment]:
        created, sid = col(ShipmentRow.created_at), col(ShipmentRow.shipment_id)
        stmt = select(ShipmentRow)
        if query.order_id:
            stmt = stmt.where(col(ShipmentRow.order_id) == query.order_id)
        if query.store_id:
            stmt = stmt.where(col(ShipmentRow.store_id) == query.store_id)
        if query.status is not None:
            stmt = stmt.where(col(ShipmentRow.status) == query.status.value)
        if query.stalled_before is not None:
            stmt = stmt.where(
                col(ShipmentRow.status).not_in(_TERMINAL),
                col(ShipmentRow.last_update_at) < as_utc(query.stalled_before),
            )
        if query.after is not None:
            at, after_id = as_utc(query.after[0]), query.after[1]
            stmt = stmt.where(or_(created < at, and_(created == at, sid < after_id)))
        stmt = stmt.order_by(created.desc(), sid.desc()).limit(query.limit)
        rows = (await self._session.execute(stmt)).scalars().all()
        return await self._with_events(rows)

    async def under_way(
        self, carriers: Sequence[str], *, after_id: str, limit: int
    ) -> list[Shipment]:
        sid = col(ShipmentRow.shipment_id)
        stmt = (
            select(ShipmentRow)
            .where(
                col(ShipmentRow.carrier).in_(list(carriers)),
                col(ShipmentRow.status).not_in(_TERMINAL),
                sid > after_id,
            )
            .order_by(sid)
            .limit(limit)
        )
        rows = (await self._session.execute(stmt)).scalars().all()
        return [_shipment(row, []) for row in rows]

    async def _one(self, stmt: Select[ShipmentRow], for_update: bool) -> Shipment | None:
        if for_update:  # serialises concurrent ingests of one parcel on PostgreSQL
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).scalars().first()
        if row is None:
            return None
        return (await self._with_events([row]))[0]

    async def _with_events(self, rows: Sequence[ShipmentRow]) -> list[Shipment]:
        if not rows:
            return []
        ids = [r.shipment_id for r in rows]
        stmt = (
            select(TrackingEventRow)
            .where(col(TrackingEventRow.shipment_id).in_(ids))
            .order_by(col(TrackingEventRow.at), col(TrackingEventRow.id))
        )
        events: dict[str, list[TrackingEvent]] = defaultdict(list)
        for e in (await self._session.execute(stmt)).scalars():
            events[e.shipment_id].append(
                TrackingEvent(
                    at=as_utc(e.at),
                    status=TrackingStatus(e.status),
                    raw_code=e.raw_code,
                    location=e.location,
                    description=e.description,
                    dedup_key=e.dedup_key,
                )
            )
        return [_shipment(r, events[r.shipment_id]) for r in rows]


def _shipment(row: ShipmentRow, events: list[TrackingEvent]) -> Shipment:
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
        last_update_at=as_utc(row.last_update_at) if row.last_update_at else None,
        events=events,
    )
