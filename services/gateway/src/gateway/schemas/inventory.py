"""Stock levels and goods receipts."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.schemas.common import Id, SkuQtyIn, Text


class StockLevelPublic(BaseModel):
    sku: str
    location_id: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int


class ReceiptCreate(BaseModel):
    location_id: Id
    lines: list[SkuQtyIn] = Field(min_length=1, max_length=500)
    reference: Text


class ReceiptPublic(BaseModel):
    location_id: str
    reference: str
    levels: list[StockLevelPublic]
