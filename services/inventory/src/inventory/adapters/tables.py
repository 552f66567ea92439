"""SQLModel tables of the inventory database (names unique across chainstore).

The schema itself is created by Alembic (migrations/versions); these classes must match it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Table, Text, false
from sqlmodel import Field, SQLModel

from chainkit.clock import utcnow


class LocationRow(SQLModel, table=True):
    __tablename__ = "inv_location"

    location_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    region: str = Field(max_length=64)
    city: str = Field(default="", max_length=200)
    priority: int = 0
    share_online: bool = False
    lat: float | None = None
    lon: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # 0005: GB/T 2260 codes and names ("" when placed by text alone).
    province_code: str = Field(default="", max_length=6)
    province: str = Field(default="", max_length=64)
    city_code: str = Field(default="", max_length=6)
    district_code: str = Field(default="", max_length=6)
    district: str = Field(default="", max_length=64)


class ProductRow(SQLModel, table=True):
    __tablename__ = "inv_product"
    # One product per barcode: the till's look-up and the uniqueness rule in one index.
    __table_args__ = (Index("ix_inv_product_barcode", "barcode", unique=True),)

    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    category: str = Field(default="", max_length=200)
    price: int = Field(sa_type=BigInteger)
    currency: str = Field(default="CNY", max_length=3)
    weight_g: int = Field(default=0, sa_type=BigInteger)
    # NULL when none (a unique index allows many NULLs, one of each code).
    barcode: str | None = Field(default=None, max_length=13)
    spec: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StockLevelRow(SQLModel, table=True):
    __tablename__ = "inv_stock_level"
    # The invariant that matters most, enforced by the database as a last line of defence.
    __table_args__ = (
        CheckConstraint("0 <= reserved AND reserved <= on_hand", name="ck_inv_stock_level_bounds"),
        Index("ix_inv_stock_level_location_sku", "location_id", "sku"),
    )

    sku: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(primary_key=True, max_length=64)
    on_hand: int = Field(default=0, sa_type=BigInteger)
    reserved: int = Field(default=0, sa_type=BigInteger)
    low_stock_threshold: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)
    low_stock: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ReservationRow(SQLModel, table=True):
    __tablename__ = "inv_reservation"
    __table_args__ = (Index("ix_inv_reservation_state_expires", "state", "expires_at"),)

    reservation_id: str = Field(primary_key=True, max_length=64)
    state: str = Field(max_length=20)
    region: str = Field(default="", max_length=64)
    home_location_id: str = Field(default="", max_length=64)
    strategy: str = Field(default="", max_length=32)
    expires_at: datetime | None = None
    release_reason: str = Field(default="", max_length=200)
    restocked: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReservationLineRow(SQLModel, table=True):
    """One allocation of a reservation: units of a SKU held at one location."""

    __tablename__ = "inv_reservation_line"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: str = Field(
        max_length=64, foreign_key="inv_reservation.reservation_id", index=True
    )
    location_id: str = Field(max_length=64)
    sku: str = Field(max_length=64)
    qty: int = Field(sa_type=BigInteger)
    reason: str = Field(default="", max_length=300)


class MovementRow(SQLModel, table=True):
    """The stock ledger: one row per change of on-hand or reserved units."""

    __tablename__ = "inv_movement"
    __table_args__ = (
        Index("ix_inv_movement_sku_location", "sku", "location_id", "id"),
        Index("ix_inv_movement_location", "location_id", "id"),
        Index("ix_inv_movement_reference", "reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64)
    location_id: str = Field(max_length=64)
    kind: str = Field(max_length=20)
    reference: str = Field(default="", max_length=200)
    on_hand_delta: int = Field(default=0, sa_type=BigInteger)
    reserved_delta: int = Field(default=0, sa_type=BigInteger)
    actor: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})


class SaleRow(SQLModel, table=True):
    """A till sale, kept so a retried SellAtLocation returns the original result."""

    __tablename__ = "inv_sale"

    sale_id: str = Field(primary_key=True, max_length=64)
    location_id: str = Field(max_length=64)
    # JSON [{"sku": ..., "qty": ...}] as sold, in request order.
    lines: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class TransferRow(SQLModel, table=True):
    """Units shipped from one location to another; in transit until received."""

    __tablename__ = "inv_transfer"
    __table_args__ = (Index("ix_inv_transfer_to_state", "to_location_id", "state"),)

    transfer_id: str = Field(primary_key=True, max_length=64)
    from_location_id: str = Field(max_length=64)
    to_location_id: str = Field(max_length=64)
    state: str = Field(max_length=20)
    actor: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TransferLineRow(SQLModel, table=True):
    __tablename__ = "inv_transfer_line"
    __table_args__ = (
        CheckConstraint(
            "0 <= qty_received AND qty_received <= qty_shipped",
            name="ck_inv_transfer_line_received",
        ),
    )

    transfer_id: str = Field(
        primary_key=True, max_length=64, foreign_key="inv_transfer.transfer_id"
    )
    sku: str = Field(primary_key=True, max_length=64)
    qty_shipped: int = Field(sa_type=BigInteger)
    qty_received: int = Field(default=0, sa_type=BigInteger)


class AppliedCommandRow(SQLModel, table=True):
    """Ids of stock commands already applied (adjustments, receipts): retries are no-ops."""

    __tablename__ = "inv_applied_command"

    command_id: str = Field(primary_key=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


def table(model: type[SQLModel]) -> Table:
    """The Core table behind a model, for statements that skip the ORM on hot paths."""
    t = model.__table__  # type: ignore[attr-defined]
    assert isinstance(t, Table)
    return t


location_t = table(LocationRow)
product_t = table(ProductRow)
stock_t = table(StockLevelRow)
reservation_t = table(ReservationRow)
reservation_line_t = table(ReservationLineRow)
movement_t = table(MovementRow)
sale_t = table(SaleRow)
transfer_t = table(TransferRow)
transfer_line_t = table(TransferLineRow)
applied_command_t = table(AppliedCommandRow)
