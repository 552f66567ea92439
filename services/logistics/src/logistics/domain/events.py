"""What happened to a shipment or a carrier, as facts the rest of the suite hears about.

The Shipment aggregate records its own; the carrier events come from the stall sweep. An
event names the shipment as it stands once the change is made, and the moments its
identity hangs on, so that the same change replayed is the same event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from logistics.domain.tracking import TrackingEvent

if TYPE_CHECKING:
    from logistics.domain.shipment import Shipment


@dataclass(frozen=True)
class ShipmentCreated:
    shipment: Shipment


@dataclass(frozen=True)
class ShipmentUpdated:
    shipment: Shipment
    scan: TrackingEvent  # the new timeline entry


@dataclass(frozen=True)
class ShipmentException:
    """A scan the store must hear about (Shipment.NOTEWORTHY)."""

    shipment: Shipment
    scan: TrackingEvent


@dataclass(frozen=True)
class ShipmentDelivered:
    shipment: Shipment


@dataclass(frozen=True)
class ShipmentStalled:
    shipment: Shipment
    flagged_at: datetime
    silent_since: datetime


@dataclass(frozen=True)
class ShipmentUnstalled:
    shipment: Shipment
    flagged_at: datetime  # when the flag now cleared was raised


@dataclass(frozen=True)
class ShipmentCancelled:
    shipment: Shipment


@dataclass(frozen=True)
class CarrierPushGap:
    """A pushing carrier sent nothing for any parcel for too long."""

    carrier: str
    opened_at: datetime
    silent_since: datetime
    parcels_under_way: int


@dataclass(frozen=True)
class CarrierPushResumed:
    carrier: str
    closed_at: datetime


ShipmentEvent = (
    ShipmentCreated
    | ShipmentUpdated
    | ShipmentException
    | ShipmentDelivered
    | ShipmentStalled
    | ShipmentUnstalled
    | ShipmentCancelled
)
LogisticsEvent = ShipmentEvent | CarrierPushGap | CarrierPushResumed
