"""Carriers, shipments and tracking timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

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


class CarrierPublic(BaseModel):
    code: str
    name: str
    regions: list[str]
    max_weight_g: int
    update_mode: UpdateMode


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


class OrderTracking(BaseModel):
    shipments: list[OrderShipmentTracking]


class ShipmentPublic(OrderShipmentTracking):
    order_id: str
    store_id: str
    created_at: datetime | None


class CarrierPushResult(BaseModel):
    accepted: int
    duplicates: int
