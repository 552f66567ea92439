"""Head-office analytics: the summary, sales rows and top products (docs/api-conventions.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from gateway.schemas.orders import OrderStatus

GroupBy = Literal["store", "region", "province", "category", "product", "day"]


class SummaryPublic(BaseModel):
    day: date
    currency: str
    orders_by_status: dict[OrderStatus, int]
    # Net sales (paid orders less refunds) of today, a business day (the chain's time zone).
    revenue_today: int
    orders_today: int
    # Absent (null) until inventory/logistics offer a count to ask for: never guessed.
    low_stock_count: int | None = Field(default=None)
    stalled_shipments: int | None = Field(default=None)


class SalesRowPublic(BaseModel):
    key: str
    orders: int
    units: int
    revenue: int


class SalesPage(BaseModel):
    items: list[SalesRowPublic]
    next_cursor: str | None = None
    currency: str
    group_by: GroupBy


class TopProductPublic(BaseModel):
    sku: str
    name: str
    category: str
    units: int
    revenue: int


class TopProductsPage(BaseModel):
    items: list[TopProductPublic]
    next_cursor: str | None = None
    currency: str
