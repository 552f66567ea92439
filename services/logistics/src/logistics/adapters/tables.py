"""SQLModel tables of the logistics database (migrations/versions mirror them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class ShipmentRow(SQLModel, table=True):
    __tablename__ = "log_shipment"
    __table_args__ = (
        # Idempotency of CreateShipments; also the index behind "shipments of an order".
        UniqueConstraint("order_id", "location_id", name="uq_log_shipment_order_location"),
        # Waybill first so the waybill look-up (no carrier given) uses it.
        UniqueConstraint("waybill_no", "carrier", name="uq_log_shipment_waybill_carrier"),
        Index("ix_log_shipment_store_created", "store_id", "created_at", "shipment_id"),
        Index("ix_log_shipment_created", "created_at", "shipment_id"),
        # Status filter, the stalled list and the poller's "under way" scan.
        Index("ix_log_shipment_status_updated", "status", "last_update_at"),
        # 0002: the poll schedule, the stalled list, the push-gap check.
        Index("ix_log_shipment_next_poll", "next_poll_at"),
        Index("ix_log_shipment_stalled", "stalled_at"),
        Index("ix_log_shipment_carrier_scan", "carrier", "last_scan_at"),
    )

    shipment_id: str = Field(primary_key=True, max_length=36)
    order_id: str = Field(max_length=64)
    store_id: str = Field(max_length=64)
    location_id: str = Field(max_length=64)
    carrier: str = Field(max_length=32)
    waybill_no: str = Field(max_length=64)
    carrier_reason: str = Field(max_length=300)
    region: str = Field(max_length=100)
    city: str = Field(max_length=100)
    weight_g: int
    status: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=_utc_column())
    estimated_delivery_at: datetime = Field(sa_column=_utc_column())
    last_update_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # 0002
    service_level: str = Field(default="standard", max_length=16)
    price: int = Field(default=0, sa_type=BigInteger)
    origin_region: str = Field(default="", max_length=100)
    next_poll_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_scan_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    stalled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    cancel_reason: str = Field(default="", max_length=200)
    # 0003
    customer_id: str = Field(default="", max_length=64)
    order_no: str = Field(default="", max_length=64)


class TrackingEventRow(SQLModel, table=True):
    __tablename__ = "log_tracking_event"
    __table_args__ = (
        # A scan is stored once per shipment, whoever delivers it and however often.
        UniqueConstraint("shipment_id", "dedup_key", name="uq_log_tracking_event_dedup"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: str = Field(
        sa_column=Column(String(36), ForeignKey("log_shipment.shipment_id"), nullable=False)
    )
    dedup_key: str = Field(max_length=200)
    at: datetime = Field(sa_column=_utc_column())
    status: str = Field(max_length=32)
    raw_code: str = Field(max_length=32)
    location: str = Field(max_length=200)
    description: str = Field(max_length=500)
    received_at: datetime = Field(sa_column=_utc_column())


class CarrierStateRow(SQLModel, table=True):
    """Per-carrier alert state shared by every replica (one row per carrier, made on need)."""

    __tablename__ = "log_carrier_state"

    carrier: str = Field(primary_key=True, max_length=32)
    push_gap_since: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
