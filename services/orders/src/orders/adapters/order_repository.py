"""Orders in SQL: one row per order plus its lines, allocations, shipments and timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.errors import Retryable
from chainkit.uow import Stage
from orders.adapters.order_rows import (
    event_values,
    execute_unique,
    order_from_rows,
    order_values,
    shipment_values,
    to_utc,
)
from orders.adapters.tables import ALLOCATION, LINE, ORDER, ORDER_EVENT, SHIPMENT
from orders.domain.order import Order, OrderStatus
from orders.service_layer.ports import OrderFilter, PageKey


class SqlOrderRepository:
    def __init__(self, session: AsyncSession, stage: Stage) -> None:
        self._session = session
        self._stage = stage

    async def add_many(self, orders: Sequence[Order]) -> None:
        """Staged (see chainkit.uow.stage): every table's rows go with the outbox's in one
        round trip at commit, which raises AlreadyExists for a taken id or number."""
        self._stage(ORDER, [_new_order_values(o) for o in orders])
        self._stage(
            LINE,
            [
                {"order_id": o.order_id, "line_no": i} | vars(line)
                for o in orders
                for i, line in enumerate(o.lines)
            ],
        )
        self._stage(
            ALLOCATION, [{"order_id": o.order_id} | vars(a) for o in orders for a in o.allocations]
        )
        self._stage(SHIPMENT, [shipment_values(o.order_id, s) for o in orders for s in o.shipments])
        self._stage(
            ORDER_EVENT,
            [event_values(o.order_id, i, e) for o in orders for i, e in enumerate(o.timeline)],
        )

    async def _add_timeline(self, order: Order, known: int) -> None:
        """Append the steps not stored yet; the version check makes `known` exact."""
        new = [event_values(order.order_id, i, e) for i, e in enumerate(order.timeline)][known:]
        if new:
            await self._session.execute(insert(ORDER_EVENT), new)

    async def save(self, order: Order) -> None:
        result = await self._session.execute(
            update(ORDER)
            .where(ORDER.c.order_id == order.order_id, ORDER.c.version == order.version)
            .values(order_values(order) | {"version": order.version + 1})
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Retryable(f"order {order.order_no} changed meanwhile; try again")
        order.version += 1
        stored_steps = await self._session.execute(
            select(func.count()).where(ORDER_EVENT.c.order_id == order.order_id)
        )
        await self._add_timeline(order, int(stored_steps.scalar_one()))
        known = set(
            (
                await self._session.execute(
                    select(SHIPMENT.c.shipment_id).where(SHIPMENT.c.order_id == order.order_id)
                )
            ).scalars()
        )
        new = [
            shipment_values(order.order_id, s)
            for s in order.shipments
            if s.shipment_id not in known
        ]
        if new:
            await execute_unique(self._session, insert(SHIPMENT).values(new), "shipment")
        for s in order.shipments:
            if s.shipment_id in known:
                await self._session.execute(
                    update(SHIPMENT)
                    .where(SHIPMENT.c.shipment_id == s.shipment_id)
                    .values(delivered_at=s.delivered_at)
                )

    async def get(self, order_id: str) -> Order | None:
        return await self._one(ORDER.c.order_id == order_id)

    async def get_by_number(self, order_no: str) -> Order | None:
        return await self._one(ORDER.c.order_no == order_no)

    async def _one(self, where: ColumnElement[bool]) -> Order | None:
        row = (await self._session.execute(select(ORDER).where(where))).first()
        if row is None:
            return None
        return (await self._hydrate([row]))[0]

    async def find(self, where: OrderFilter, after: PageKey | None, limit: int) -> list[Order]:
        conditions = list(_conditions(where))
        if after is not None:
            # A row-value comparison is one index range on both databases; the equivalent
            # `a < x OR (a = x AND b < y)` left PostgreSQL filtering every newer row.
            conditions.append(
                tuple_(ORDER.c.created_at, ORDER.c.order_id)
                < tuple_(to_utc(after.created_at), after.order_id)
            )
        stmt = (
            select(ORDER)
            .where(*conditions)
            .order_by(ORDER.c.created_at.desc(), ORDER.c.order_id.desc())
            .limit(limit)
        )
        rows = (await self._session.execute(stmt)).all()
        return await self._hydrate(rows)

    async def overdue(self, now: datetime, limit: int) -> list[str]:
        stmt = (
            select(ORDER.c.order_id)
            .where(
                ORDER.c.status == OrderStatus.PENDING_PAYMENT.value,
                ORDER.c.payment_due_at < to_utc(now),
            )
            .order_by(ORDER.c.payment_due_at)
            .limit(limit)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def release_pending(self, limit: int) -> list[str]:
        stmt = (
            select(ORDER.c.order_id)
            .where(ORDER.c.release_pending)
            .order_by(ORDER.c.cancelled_at)
            .limit(limit)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def mark_released(self, order_id: str) -> None:
        """Inventory confirmed the units are back: bookkeeping, not an order change."""
        await self._session.execute(
            update(ORDER).where(ORDER.c.order_id == order_id).values(release_pending=False)
        )

    async def _hydrate(self, rows: Sequence[Row[Any]]) -> list[Order]:
        """Orders with their lines, allocations and shipments: one query per child table."""
        ids = [row.order_id for row in rows]
        if not ids:
            return []
        lines = await self._children(LINE, ids, LINE.c.line_no)
        allocations = await self._children(ALLOCATION, ids, ALLOCATION.c.location_id)
        shipments = await self._children(SHIPMENT, ids, SHIPMENT.c.location_id)
        steps = await self._children(ORDER_EVENT, ids, ORDER_EVENT.c.seq)
        return [
            order_from_rows(
                row,
                lines[row.order_id],
                allocations[row.order_id],
                shipments[row.order_id],
                steps[row.order_id],
            )
            for row in rows
        ]

    async def _children(
        self, table: Any, ids: list[str], order_by: Any
    ) -> defaultdict[str, list[Row[Any]]]:
        grouped: defaultdict[str, list[Row[Any]]] = defaultdict(list)
        stmt = select(table).where(table.c.order_id.in_(ids)).order_by(order_by)
        for row in (await self._session.execute(stmt)).all():
            grouped[row.order_id].append(row)
        return grouped


def _new_order_values(order: Order) -> dict[str, Any]:
    return order_values(order) | {
        "order_id": order.order_id,
        "order_no": order.order_no,
        "store_id": order.store_id,
        "customer_id": order.customer_id,
        "channel": order.channel.value,
        "currency": order.currency,
        "created_at": order.created_at,
        "version": order.version,
        "time_zone": order.time_zone,
    }


def _conditions(where: OrderFilter) -> Iterable[ColumnElement[bool]]:
    if where.status:
        yield ORDER.c.status == where.status
    if where.store_id:
        yield ORDER.c.store_id == where.store_id
    if where.customer_id:
        yield ORDER.c.customer_id == where.customer_id
    if where.created_from:
        yield ORDER.c.created_at >= to_utc(where.created_from)
    if where.created_to:
        yield ORDER.c.created_at < to_utc(where.created_to)
    if where.q:
        name_match = exists(
            select(LINE.c.order_id).where(
                LINE.c.order_id == ORDER.c.order_id,
                func.lower(LINE.c.name).contains(where.q.lower(), autoescape=True),
            )
        )
        yield or_(
            ORDER.c.order_no == where.q,
            ORDER.c.order_no.startswith(where.q, autoescape=True),
            name_match,
        )
