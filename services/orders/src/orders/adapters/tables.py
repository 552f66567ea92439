"""The orders database. Repositories query these tables with Core statements (no ORM
objects on the hot path); migrations/versions/ create the same schema."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, LargeBinary, Table, text
from sqlmodel import Field, SQLModel

TZ = DateTime(timezone=True)


class StoreRow(SQLModel, table=True):
    __tablename__ = "ord_store"

    store_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region: str = Field(max_length=64)
    city: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    location_id: str = Field(max_length=64)
    payment_timeout_s: int
    auto_confirm: bool
    share_stock_online: bool
    allocation_strategy: str = Field(max_length=32)
    preferred_carrier: str = Field(default="", max_length=32)
    service_level: str = Field(default="standard", max_length=16)
    time_zone: str = Field(default="", max_length=64)
    # 0009: GB/T 2260 codes and names ("" when placed by text alone).
    province_code: str = Field(default="", max_length=6)
    province: str = Field(default="", max_length=64)
    city_code: str = Field(default="", max_length=6)
    district_code: str = Field(default="", max_length=6)
    district: str = Field(default="", max_length=64)


class OrderRow(SQLModel, table=True):
    __tablename__ = "ord_order"
    __table_args__ = (
        # "my orders", a store's orders, the status board: each a newest-first keyset scan.
        Index("ix_ord_order_customer_created", "customer_id", "created_at", "order_id"),
        Index("ix_ord_order_store_created", "store_id", "created_at", "order_id"),
        Index("ix_ord_order_store_status_created", "store_id", "status", "created_at", "order_id"),
        Index("ix_ord_order_status_created", "status", "created_at", "order_id"),
        Index("ix_ord_order_created", "created_at", "order_id"),
        # The payment-deadline sweep.
        Index("ix_ord_order_status_due", "status", "payment_due_at"),
        # Cancelled orders whose units inventory has not confirmed released (tiny, partial).
        Index(
            "ix_ord_order_release_pending",
            "cancelled_at",
            sqlite_where=text("release_pending"),
            postgresql_where=text("release_pending"),
        ),
    )

    order_id: str = Field(primary_key=True, max_length=36)
    order_no: str = Field(max_length=100, unique=True)
    store_id: str = Field(max_length=64)
    customer_id: str = Field(max_length=64)
    channel: str = Field(max_length=8)
    status: str = Field(max_length=20)
    total: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    ship_name: str | None = Field(default=None, max_length=200)
    ship_phone: str | None = Field(default=None, max_length=40)
    ship_region: str | None = Field(default=None, max_length=64)
    ship_city: str | None = Field(default=None, max_length=64)
    ship_line1: str | None = Field(default=None, max_length=300)
    ship_lat: float | None = None
    ship_lon: float | None = None
    # 0007: GB/T 2260 codes and names, postcode.
    ship_province_code: str | None = Field(default=None, max_length=6)
    ship_province: str | None = Field(default=None, max_length=64)
    ship_city_code: str | None = Field(default=None, max_length=6)
    ship_district_code: str | None = Field(default=None, max_length=6)
    ship_district: str | None = Field(default=None, max_length=64)
    ship_postcode: str | None = Field(default=None, max_length=6)
    payment_method: str | None = Field(default=None, max_length=20)
    payment_amount: int | None = Field(default=None, sa_type=BigInteger)
    payment_reference: str | None = Field(default=None, max_length=64)
    refunded_amount: int = Field(default=0, sa_type=BigInteger)
    payment_due_at: datetime | None = Field(default=None, sa_type=TZ)
    created_at: datetime = Field(sa_type=TZ)
    paid_at: datetime | None = Field(default=None, sa_type=TZ)
    confirmed_at: datetime | None = Field(default=None, sa_type=TZ)
    shipped_at: datetime | None = Field(default=None, sa_type=TZ)
    completed_at: datetime | None = Field(default=None, sa_type=TZ)
    cancelled_at: datetime | None = Field(default=None, sa_type=TZ)
    cancel_reason: str = Field(default="", max_length=500)
    release_pending: bool = False
    version: int = 0
    time_zone: str = Field(default="", max_length=64)


class OrderLineRow(SQLModel, table=True):
    __tablename__ = "ord_order_line"

    order_id: str = Field(primary_key=True, max_length=36, foreign_key="ord_order.order_id")
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    category: str = Field(max_length=100)
    qty: int = Field(sa_type=BigInteger)
    unit_price: int = Field(sa_type=BigInteger)
    amount: int = Field(sa_type=BigInteger)
    weight_g: int = Field(sa_type=BigInteger)
    spec: str = Field(default="", max_length=100)  # 0009


class AllocationRow(SQLModel, table=True):
    __tablename__ = "ord_allocation"

    order_id: str = Field(primary_key=True, max_length=36, foreign_key="ord_order.order_id")
    location_id: str = Field(primary_key=True, max_length=64)
    sku: str = Field(primary_key=True, max_length=64)
    qty: int = Field(sa_type=BigInteger)
    reason: str = Field(default="", max_length=500)


class ShipmentRow(SQLModel, table=True):
    __tablename__ = "ord_shipment"

    shipment_id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(index=True, max_length=36, foreign_key="ord_order.order_id")
    location_id: str = Field(max_length=64)
    carrier: str = Field(max_length=32)
    waybill_no: str = Field(max_length=64)
    delivered_at: datetime | None = Field(default=None, sa_type=TZ)


class CounterRow(SQLModel, table=True):
    """Order numbers: one row per store per day, incremented in place."""

    __tablename__ = "ord_counter"

    store_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True, sa_type=Date)
    value: int = Field(sa_type=BigInteger)


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "ord_idempotency"

    key: str = Field(primary_key=True, max_length=300)
    request_hash: str = Field(max_length=64)
    response: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(sa_type=TZ)


class OrderEventRow(SQLModel, table=True):
    """The timeline: one row per transition or review step of an order, in order."""

    __tablename__ = "ord_order_event"

    order_id: str = Field(primary_key=True, max_length=36, foreign_key="ord_order.order_id")
    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_type=TZ)
    action: str = Field(max_length=32)
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    actor: str = Field(max_length=200)
    reason: str = Field(max_length=500)


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


STORE = _table(StoreRow)
ORDER = _table(OrderRow)
LINE = _table(OrderLineRow)
ALLOCATION = _table(AllocationRow)
SHIPMENT = _table(ShipmentRow)
COUNTER = _table(CounterRow)
IDEMPOTENCY = _table(IdempotencyRow)
ORDER_EVENT = _table(OrderEventRow)
