"""Rows of the orders tables ↔ the Order aggregate (values to write, orders to read)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.errors import AlreadyExists
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
from orders.domain.timeline import Action, TimelineEntry

# Address fields stored as ship_<name> (migration 0007).
ADDRESS_CODES = ("province_code", "province", "city_code", "district_code", "district", "postcode")


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


def order_values(order: Order) -> dict[str, Any]:
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
        **{f"ship_{k}": getattr(a, k) if a else None for k in ADDRESS_CODES},
        "payment_method": p.method if p else None,
        "payment_amount": p.amount if p else None,
        "payment_reference": p.reference if p else None,
        "refunded_amount": order.refunded_amount,
        "payment_due_at": order.payment_due_at,
        "paid_at": order.paid_at,
        "confirmed_at": order.confirmed_at,
        "shipped_at": order.shipped_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
        "release_pending": order.release_pending,
    }


def shipment_values(order_id: str, s: Shipment) -> dict[str, Any]:
    return {
        "shipment_id": s.shipment_id,
        "order_id": order_id,
        "location_id": s.location_id,
        "carrier": s.carrier,
        "waybill_no": s.waybill_no,
        "delivered_at": s.delivered_at,
    }


def event_values(order_id: str, seq: int, e: TimelineEntry) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "seq": seq,
        "at": e.at,
        "action": e.action.value,
        "from_status": e.from_status,
        "to_status": e.status,
        "actor": e.actor[:200],
        "reason": e.reason[:500],
    }


def timeline_entry(row: Row[Any]) -> TimelineEntry:
    at = as_utc(row.at)
    assert at is not None
    return TimelineEntry(
        at, Action(row.action), row.from_status, row.to_status, row.actor, row.reason
    )


def order_from_rows(
    row: Row[Any],
    lines: list[Row[Any]],
    allocations: list[Row[Any]],
    shipments: list[Row[Any]],
    steps: list[Row[Any]],
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
            **{k: getattr(row, f"ship_{k}") or "" for k in ADDRESS_CODES},
        )
    payment = None
    if row.payment_method is not None:
        payment = Payment(row.payment_method, row.payment_amount or 0, row.payment_reference or "")
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
                spec=x.spec,
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
        timeline=[timeline_entry(x) for x in steps],
        release_pending=bool(row.release_pending),
        version=row.version,
        time_zone=row.time_zone or "",
    )
