"""Shipments and their timelines in SQL: Core statements, mapped to domain objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from chainkit.errors import Retryable
from logistics.adapters.schedule import ScheduleQueries, shipment_of
from logistics.adapters.tables import ShipmentRow, TrackingEventRow
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingEvent, TrackingStatus, as_utc
from logistics.service_layer.ports import ShipmentQuery


class SqlShipmentRepository(ScheduleQueries):
    """Shipments, timelines, and (from ScheduleQueries) polls, stalls and push gaps."""

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
            )
        )

    async def save(
        self, shipment: Shipment, new_events: Sequence[TrackingEvent], *, received_at: datetime
    ) -> None:
        values: dict[str, object] = {
            "status": shipment.status.value,
            "last_update_at": shipment.last_update_at,
            "stalled_at": shipment.stalled_at,
        }
        if new_events:
            values["last_scan_at"] = received_at
        if not shipment.under_way:
            values["next_poll_at"] = None  # nothing more to ask the carrier
        try:
            await self._session.execute(
                update(ShipmentRow)
                .execution_options(synchronize_session=False)
                .where(col(ShipmentRow.shipment_id) == shipment.shipment_id)
                .values(**values)
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
        if query.stalled_only:
            stmt = stmt.where(col(ShipmentRow.stalled_at).is_not(None))
        if query.after is not None:
            at, after_id = as_utc(query.after[0]), query.after[1]
            stmt = stmt.where(or_(created < at, and_(created == at, sid < after_id)))
        stmt = stmt.order_by(created.desc(), sid.desc()).limit(query.limit)
        rows = (await self._session.execute(stmt)).scalars().all()
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
        return [shipment_of(r, events[r.shipment_id]) for r in rows]
