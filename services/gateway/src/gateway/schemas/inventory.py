"""Stock levels, receipts, adjustments, transfers, low-stock alerts and the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.common import Id, SkuQtyIn, Text


class StockLevelPublic(BaseModel):
    sku: str
    location_id: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "location_id": "WH-EAST",
                    "lines": [{"sku": "TEA-001", "qty": 48}, {"sku": "RICE-001", "qty": 20}],
                    "reference": "PO-20261205-017",
                }
            ]
        }
    )

    location_id: Id
    lines: list[SkuQtyIn] = Field(min_length=1, max_length=500)
    reference: Text


class ReceiptPublic(BaseModel):
    location_id: str
    reference: str
    levels: list[StockLevelPublic]


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"location_id": "LOC-S001", "sku": "DRK-002", "delta": -1, "reason": "damaged"}
            ]
        }
    )

    location_id: Id
    sku: Id
    delta: int = Field(strict=True, ge=-1_000_000, le=1_000_000, description="non-zero")
    reason: Text


class AdjustmentPublic(BaseModel):
    adjustment_id: str
    level: StockLevelPublic


class TransferCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_location_id": "WH-EAST",
                    "to_location_id": "LOC-S001",
                    "lines": [{"sku": "TEA-001", "qty": 12}],
                }
            ]
        }
    )

    from_location_id: Id
    to_location_id: Id
    lines: list[SkuQtyIn] = Field(min_length=1, max_length=500)


class TransferReceive(BaseModel):
    """No lines: receive everything still in transit."""

    lines: list[SkuQtyIn] = Field(default_factory=list, max_length=500)


class TransferLinePublic(BaseModel):
    sku: str
    qty_shipped: int
    qty_received: int
    in_transit: int


class TransferPublic(BaseModel):
    transfer_id: str
    from_location_id: str
    to_location_id: str
    status: Literal["in_transit", "received"]
    lines: list[TransferLinePublic]
    created_at: datetime | None


class ThresholdSet(BaseModel):
    location_id: Id
    sku: Id
    low_stock_threshold: int = Field(strict=True, ge=0, le=1_000_000)


class ReplenishmentPublic(BaseModel):
    from_location_id: str
    qty: int
    reason: str


class LowStockPublic(StockLevelPublic):
    in_transit: int
    suggestion: ReplenishmentPublic | None


class MovementPublic(BaseModel):
    movement_id: int
    sku: str
    location_id: str
    kind: str
    reference: str
    on_hand_delta: int
    reserved_delta: int
    actor: str
    reason: str
    created_at: datetime | None
