"""Carriers, shipments and tracking timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

UpdateMode = Literal["push", "poll"]
TrackingStatus = Literal[
    "unknown",
    "info_received",
    "picked_up",
    "in_transit",
    "arrived_at_hub",
    "out_for_delivery",
    "delivered",
    "failed_attempt",
    "exception",
    "returned_to_sender",
]


class WeightBandPublic(BaseModel):
    up_to_g: int
    price: int  # minor units (fen)


class CarrierPublic(BaseModel):
    code: str
    name: str
    regions: list[str]
    max_weight_g: int
    update_mode: UpdateMode
    weight_bands: list[WeightBandPublic] = []
    days_same_region: int = 0
    days_other_region: int = 0
    service_levels: list[str] = []
    # Provinces (GB/T 2260 codes) it does not deliver to, whatever `regions` says.
    excluded_provinces: list[str] = []


class TrackingEventPublic(BaseModel):
    at: datetime | None
    status: TrackingStatus
    location: str
    description: str


class ParcelTracking(BaseModel):
    """What the parcel did; shared by every tracking view."""

    carrier: str
    waybill_no: str
    status: TrackingStatus
    estimated_delivery_at: datetime | None
    last_update_at: datetime | None
    stalled: bool
    events: list[TrackingEventPublic]


class WaybillTracking(ParcelTracking):
    """The public waybill look-up: no order, store or personal data."""


class OrderShipmentTracking(ParcelTracking):
    shipment_id: str
    location_id: str
    cancelled_at: datetime | None = None


class OrderTracking(BaseModel):
    shipments: list[OrderShipmentTracking]


class ShipmentPublic(OrderShipmentTracking):
    order_id: str
    store_id: str
    created_at: datetime | None
    # Why this carrier (rules, store preference or staff override) and what it costs.
    carrier_reason: str = ""
    service_level: str = ""
    price: int = 0
    currency: str = "CNY"
    weight_g: int = 0
    cancel_reason: str = ""
    stalled_since: datetime | None = None


class CancelShipmentIn(BaseModel):
    reason: str = Field(default="", max_length=200)


class CarrierPushResult(BaseModel):
    accepted: int
    duplicates: int
    # A tracking aggregator's push is acknowledged in its own terms too (it retries any
    # other answer): {"result": true, "returnCode": "200", "message": "成功"}.
    result: bool | None = None
    return_code: str | None = Field(default=None, serialization_alias="returnCode")
    message: str | None = None
