"""Orders in SQL: one row per order plus its lines, allocations and shipments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.errors import AlreadyExists, Retryable
from orders.adapters.tables import ALLOCATION, LINE, ORDER, SHIPMENT
from orders.domain.lines import OrderLine
from orders.domain.order import (
    Address,
    Allocation,
    Channel,
    Order,
    OrderStatus,
    Payment,
    Shipment,
)
from orders.service_layer.ports import OrderFilter, PageKey


def as_utc(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


def to_utc(dt: datetime) -> datetime:
    """Query parameters in UTC: SQLite compares the stored text and ignores offsets."""
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


async def execute_unique(session: AsyncSession, stmt: Executable, what: str) -> None:
    try:
        await session.execute(stmt)
    except IntegrityError as e:
        raise AlreadyExists(f"{what} already exists") from e


def _order_values(order: Order) -> dict[str, Any]:
    a = order.shipping_address
    p = order.payment
    return {
        "status": order.status.value,
        "total": order.total,
        "ship_name": a.name if a else None,
        "ship_phone": a.phone if a else None,
        "ship_region": a.region if a else None,
        "ship_city": a.city if a else None,
        "ship_line1": a.line1 if a else None,
        "ship_lat": a.lat if a else None,
        "ship_lon": a.lon if a else None,
        "payment_method": p.method if p else None,
        "payment_amount": p.amount if p else None,
        "refunded_amount": order.refunded_amount,
        "payment_due_at": order.payment_due_at,
        "paid_at": order.paid_at,
        "confirmed_at": order.confirmed_at,
        "shipped_at": order.shipped_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
    }


def _shipment_values(order_id: str, s: Shipment) -> dict[str, Any]:
    return {
        "shipment_id": s.shipment_id,
        "order_id": order_id,
        "location_id": s.location_id,
        "carrier": s.carrier,
        "waybill_no": s.waybill_no,
        "delivered_at": s.delivered_at,
    }


class SqlOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, order: Order) -> None:
        values = _order_values(order) | {
            "order_id": order.order_id,
            "order_no": order.order_no,
            "store_id": order.store_id,
            "customer_id": order.customer_id,
            "channel": order.channel.value,
            "currency": order.currency,
            "created_at": order.created_at,
            "version": order.version,
        }
        await execute_unique(self._session, insert(ORDER).values(values), f"order {order.order_id}")
        lines = [
            {"order_id": order.order_id, "line_no": i} | vars(line)
            for i, line in enumerate(order.lines)
        ]
        await self._session.execute(insert(LINE), lines)
        if order.allocations:
            allocations = [{"order_id": order.order_id} | vars(a) for a in order.allocations]
            await self._session.execute(insert(ALLOCATION), allocations)
        if order.shipments:
            shipments = [_shipment_values(order.order_id, s) for s in order.shipments]
            await self._session.execute(insert(SHIPMENT), shipments)

    async def save(self, order: Order) -> None:
        result = await self._session.execute(
            update(ORDER)
            .where(ORDER.c.order_id == order.order_id, ORDER.c.version == order.version)
            .values(_order_values(order) | {"version": order.version + 1})
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Retryable(f"order {order.order_no} changed meanwhile; try again")
        order.version += 1
        known = set(
            (
                await self._session.execute(
                    select(SHIPMENT.c.shipment_id).where(SHIPMENT.c.order_id == order.order_id)
                )
            ).scalars()
        )
        new = [
            _shipment_values(order.order_id, s)
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
            conditions.append(
                or_(
                    ORDER.c.created_at < to_utc(after.created_at),
                    and_(
                        ORDER.c.created_at == to_utc(after.created_at),
                        ORDER.c.order_id < after.order_id,
                    ),
                )
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

    async def _hydrate(self, rows: Sequence[Row[Any]]) -> list[Order]:
        """Orders with their lines, allocations and shipments: one query per child table."""
        ids = [row.order_id for row in rows]
        if not ids:
            return []
        lines = await self._children(LINE, ids, LINE.c.line_no)
        allocations = await self._children(ALLOCATION, ids, ALLOCATION.c.location_id)
        shipments = await self._children(SHIPMENT, ids, SHIPMENT.c.location_id)
        return [
            _order(row, lines[row.order_id], allocations[row.order_id], shipments[row.order_id])
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


def _order(
    row: Row[Any], lines: list[Row[Any]], allocations: list[Row[Any]], shipments: list[Row[Any]]
) -> Order:
    address = None
    if row.ship_region is not None:
        address = Address(
            name=row.ship_name or "",
            phone=row.ship_phone or "",
            region=row.ship_region,
            city=row.ship_city or "",
            line1=row.ship_line1 or "",
            lat=row.ship_lat,
            lon=row.ship_lon,
        )
    payment = None
    if row.payment_method is not None:
        payment = Payment(row.payment_method, row.payment_amount or 0)
    created_at = as_utc(row.created_at)
    assert created_at is not None
    return Order(
        order_id=row.order_id,
        order_no=row.order_no,
        store_id=row.store_id,
        customer_id=row.customer_id,
        channel=Channel(row.channel),
        status=OrderStatus(row.status),
        lines=[
            OrderLine(
                sku=x.sku,
                name=x.name,
                category=x.category,
                qty=x.qty,
                unit_price=x.unit_price,
                amount=x.amount,
                weight_g=x.weight_g,
            )
            for x in lines
        ],
        created_at=created_at,
        currency=row.currency,
        shipping_address=address,
        allocations=[Allocation(a.location_id, a.sku, a.qty, a.reason) for a in allocations],
        payment_due_at=as_utc(row.payment_due_at),
        paid_at=as_utc(row.paid_at),
        confirmed_at=as_utc(row.confirmed_at),
        shipped_at=as_utc(row.shipped_at),
        completed_at=as_utc(row.completed_at),
        cancelled_at=as_utc(row.cancelled_at),
        cancel_reason=row.cancel_reason,
        payment=payment,
        refunded_amount=row.refunded_amount,
        shipments=[
            Shipment(s.shipment_id, s.location_id, s.carrier, s.waybill_no, as_utc(s.delivered_at))
            for s in shipments
        ],
        version=row.version,
    )
