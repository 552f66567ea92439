"""What happened to an order, told to the rest of the chain. Each event goes out with the
order as it stands after the change (the adapters' event codec puts both on the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class OrderEvent:
    type: ClassVar[str]


@dataclass(frozen=True)
class OrderCreated(OrderEvent):
    type = "orders.created"


@dataclass(frozen=True)
class OrderPaid(OrderEvent):
    type = "orders.paid"


@dataclass(frozen=True)
class OrderConfirmed(OrderEvent):
    type = "orders.confirmed"


@dataclass(frozen=True)
class OrderShipped(OrderEvent):
    type = "orders.shipped"


@dataclass(frozen=True)
class OrderCompleted(OrderEvent):
    type = "orders.completed"


@dataclass(frozen=True)
class OrderCancelled(OrderEvent):
    type = "orders.cancelled"
    refunded: bool = False


@dataclass(frozen=True)
class OrderAddressChanged(OrderEvent):
    type = "orders.address_changed"
