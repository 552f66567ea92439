"""The receipt (小票) of a paid order or till sale, as JSON (text and HTML render it)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from gateway.schemas.orders import Channel, OrderLinePublic, OrderStatus, PaymentPublic


class ReceiptPublic(BaseModel):
    order_id: str
    order_no: str = Field(examples=["20261205-S001-000042"])
    store_id: str
    store_name: str
    store_city: str
    channel: Channel
    status: OrderStatus
    paid_at: datetime | None
    time_zone: str = Field(examples=["Asia/Shanghai"])
    local_time: str = Field(
        description="paid_at in the order's business time zone", examples=["2026-12-05 00:30:12"]
    )
    lines: list[OrderLinePublic]
    units: int
    total: int
    currency: str
    payment: PaymentPublic
    refunded_amount: int = 0
