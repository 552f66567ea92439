"""Commands and queries: what a caller asks of the orders service, transport-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orders.domain.lines import LineRequest
from orders.domain.order import Address, Channel, Payment
from orders.domain.sales import SaleLine

DEFAULT_PAGE = 20
MAX_PAGE = 200


@dataclass(frozen=True)
class Scope:
    """Who asks. A non-empty customer_id/store_id limits what they may see and touch."""

    customer_id: str = ""
    store_id: str = ""
    actor: str = ""


@dataclass(frozen=True)
class CreateOrder:
    store_id: str
    customer_id: str
    channel: str
    lines: tuple[LineRequest, ...]
    shipping_address: Address | None = None
    payment: Payment | None = None
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class PayOrder:
    order_ref: str
    payment: Payment
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class CancelOrder:
    order_ref: str
    reason: str = ""
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class ConfirmOrder:
    order_ref: str
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class ShipOrder:
    order_ref: str
    carrier: str = ""  # staff override; empty lets the rules and the store's preference choose
    service_level: str = ""  # empty = the store's
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class ReceiveOrder:
    order_ref: str
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class UpdateShippingAddress:
    order_ref: str
    shipping_address: Address
    reason: str = ""
    scope: Scope = field(default_factory=Scope)
    idempotency_key: str = ""


@dataclass(frozen=True)
class ListOrders:
    scope: Scope = field(default_factory=Scope)
    status: str = ""
    store_id: str = ""
    customer_id: str = ""
    q: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    limit: int = 0
    cursor: str = ""


MutatingCommand = (
    CreateOrder
    | PayOrder
    | CancelOrder
    | ConfirmOrder
    | ShipOrder
    | ReceiveOrder
    | UpdateShippingAddress
)


@dataclass(frozen=True)
class QuoteShipping:
    order_ref: str
    carrier: str = ""  # a staff override to check; empty lets the rules choose
    service_level: str = ""  # empty = the store's
    scope: Scope = field(default_factory=Scope)


@dataclass(frozen=True)
class CountSale:
    """An order paid (`refunded` False) or cancelled (True when its payment was refunded), as
    the analytics read models need it; from our own orders.* events."""

    order_id: str
    store_id: str
    channel: Channel
    paid_at: datetime
    region: str  # shipped to; "" for a till sale
    province: str
    lines: tuple[SaleLine, ...]
    refunded: bool = False


@dataclass(frozen=True)
class ShipmentDelivered:
    """Logistics delivered one of an order's shipments."""

    event_id: str
    order_id: str
    shipment_id: str
    at: datetime
