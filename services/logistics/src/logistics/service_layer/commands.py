"""The inputs of the use cases, as the entrypoints (gRPC, tests) build them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PackageSpec:
    location_id: str
    weight_g: int  # item master weight x quantity, summed by the caller (orders)
    origin_region: str = ""


@dataclass(frozen=True)
class QuoteShipments:
    """What chooses the carriers: the destination, the packages and the choice's settings."""

    store_id: str
    region: str  # sales region; derived from province_code when empty
    city: str
    packages: Sequence[PackageSpec]
    carrier: str = ""  # staff override; empty lets the rules choose
    service_level: str = ""  # empty = standard
    preferred_carrier: str = ""  # the store's preference
    province_code: str = ""  # GB/T 2260: carriers may leave provinces out (remote ones)


@dataclass(frozen=True, kw_only=True)
class CreateShipments(QuoteShipments):
    """What is quoted, for an order: the same choice, then recorded and booked."""

    order_id: str
    customer_id: str = ""  # carried onto each shipment and its events
    order_no: str = ""


@dataclass(frozen=True)
class CancelShipment:
    shipment_id: str
    reason: str = ""
    store_id: str = ""  # store staff scope: another store's shipment is NOT_FOUND


@dataclass(frozen=True)
class ListShipments:
    order_id: str = ""
    store_id: str = ""
    status: str = ""
    stalled_only: bool = False
    limit: int = 0
    cursor: str = ""
