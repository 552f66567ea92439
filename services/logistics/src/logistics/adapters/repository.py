"""Shipments and their timelines in SQL: Core statements, mapped to domain objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from logistics.adapters.schedule import ScheduleQueries, shipment_of
from logistics.adapters.tables import ShipmentRow, TrackingEventRow
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingEvent, TrackingStatus, as_utc
from logistics.service_layer.ports import ShipmentQuery

# Core tables: rows come back as tuples, not ORM objects (far dearer to build per row).
SHIPMENT: Table = ShipmentRow.__table__  # type: ignore[attr-defined]
EVENT: Table = TrackingEventRow.__table__  # type: ignore[attr-defined]


class SqlShipmentRepository(ScheduleQueries):
    """Shipments, timelines, and (from ScheduleQueries) polls, stalls and push gaps."""

    async def get(self, shipment_id: str, *, for_update: bool = False) -> Shipment | None:
        stmt = select(SHIPMENT).where(SHIPMENT.c.shipment_id == shipment_id)
        return await self._one(stmt, for_update, timeline=True)

    async def get_by_waybill(
        self,
        waybill_no: str,
        carrier: str = "",
        *,
        for_update: bool = False,
        timeline: bool = True,
    ) -> Shipment | None:
        stmt = select(SHIPMENT).where(SHIPMENT.c.waybill_no == waybill_no)
        if carrier:
            stmt = stmt.where(SHIPMENT.c.carrier == carrier)
        return await self._one(stmt.limit(1), for_update, timeline=timeline)

    async def add(self, shipment: Shipment, *, next_poll_at: datetime | None = None) -> None:
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
                service_level=shipment.service_level,
                price=shipment.price,
                origin_region=shipment.origin_region,
                next_poll_at=next_poll_at,
                customer_id=shipment.customer_id,
                order_no=shipment.order_no,
            )
        )

    async def save(self, shipment: Shipment, *, scanned_at: datetime | None = None) -> None:
        values: dict[str, object] = {
            "status": shipment.status.value,
            "last_update_at": shipment.last_update_at,
            "stalled_at": shipment.stalled_at,
            "estimated_delivery_at": shipment.estimated_delivery_at,
        }
        if scanned_at is not None:
            values["last_scan_at"] = scanned_at
        if not shipment.under_way:
            values["next_poll_at"] = None  # nothing more to ask the carrier
        await self._session.execute(
            update(SHIPMENT).where(SHIPMENT.c.shipment_id == shipment.shipment_id).values(values)
        )

    async def add_events(
        self, shipment_id: str, events: Sequence[TrackingEvent], *, received_at: datetime
    ) -> list[TrackingEvent]:
        if not events:
            return []
        rows = {
            e.dedup_key[:200]: {
                "shipment_id": shipment_id,
                "dedup_key": e.dedup_key[:200],
                "at": e.at,
                "status": e.status.value,
                "raw_code": e.raw_code[:32],
                "location": e.location[:200],
                "description": e.description[:500],
                "received_at": received_at,
            }
            for e in events
        }
        # One statement: known scans are skipped by the unique key, RETURNING names the rest.
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(EVENT)
            .on_conflict_do_nothing(index_elements=["shipment_id", "dedup_key"])
            .returning(EVENT.c.dedup_key)
        )  # parameters apart (not .values(rows)), so the compiled statement is cached
        stored = set((await self._session.execute(stmt, list(rows.values()))).scalars())
        fresh: list[TrackingEvent] = []
        for e in events:
            if e.dedup_key[:200] in stored:  # once each, should two keys share a prefix
                stored.discard(e.dedup_key[:200])
                fresh.append(e)
        return fresh

    async def latest_event(
        self, shipment_id: str, *, excluding: Sequence[str] = ()
    ) -> TrackingEvent | None:
        stmt = select(EVENT).where(EVENT.c.shipment_id == shipment_id)
        if excluding:
            stmt = stmt.where(EVENT.c.dedup_key.not_in([k[:200] for k in excluding]))
        stmt = stmt.order_by(EVENT.c.at.desc(), EVENT.c.id.desc()).limit(1)
        row = (await self._session.execute(stmt)).first()
        return _event_of(row) if row is not None else None

    async def search(self, query: ShipmentQuery) -> list[Shipment]:
        created, sid = SHIPMENT.c.created_at, SHIPMENT.c.shipment_id
        stmt = select(SHIPMENT)
        if query.order_id:
            stmt = stmt.where(SHIPMENT.c.order_id == query.order_id)
        if query.store_id:
            stmt = stmt.where(SHIPMENT.c.store_id == query.store_id)
        if query.status is not None:
            stmt = stmt.where(SHIPMENT.c.status == query.status.value)
        if query.stalled_only:
            stmt = stmt.where(SHIPMENT.c.stalled_at.is_not(None))
        if query.after is not None:
            at, after_id = as_utc(query.after[0]), query.after[1]
            stmt = stmt.where(or_(created < at, and_(created == at, sid < after_id)))
        stmt = stmt.order_by(created.desc(), sid.desc()).limit(query.limit)
        rows = (await self._session.execute(stmt)).all()
        return await self._with_events(rows)

    async def mark_cancelled(self, shipment: Shipment) -> bool:
        result = await self._session.execute(
            update(ShipmentRow)
            .execution_options(synchronize_session=False)
            .where(
                col(ShipmentRow.shipment_id) == shipment.shipment_id,
                col(ShipmentRow.status) == TrackingStatus.INFO_RECEIVED.value,
                col(ShipmentRow.cancelled_at).is_(None),
            )
            .values(
                cancelled_at=shipment.cancelled_at,
                cancel_reason=shipment.cancel_reason,
                next_poll_at=None,
                stalled_at=None,
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def _one(self, stmt: Select[Any], for_update: bool, *, timeline: bool) -> Shipment | None:
        if for_update:  # serialises concurrent ingests of one parcel on PostgreSQL
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        if not timeline:
            return shipment_of(row, [])
        return (await self._with_events([row]))[0]

    async def _with_events(self, rows: Sequence[Any]) -> list[Shipment]:
        if not rows:
            return []
        stmt = (
            select(EVENT)
            .where(EVENT.c.shipment_id.in_([r.shipment_id for r in rows]))
            .order_by(EVENT.c.at, EVENT.c.id)
        )
        events: dict[str, list[TrackingEvent]] = defaultdict(list)
        for e in await self._session.execute(stmt):
            events[e.shipment_id].append(_event_of(e))
        return [shipment_of(r, events[r.shipment_id]) for r in rows]


def _event_of(row: Any) -> TrackingEvent:
    return TrackingEvent(
        at=as_utc(row.at),
        status=TrackingStatus(row.status),
        raw_code=row.raw_code,
        location=row.location,
        description=row.description,
        dedup_key=row.dedup_key,
    )
