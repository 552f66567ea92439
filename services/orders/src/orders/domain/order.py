"""The Order aggregate and its state machine.

pending_payment → paid → shipped → completed, and cancelled from pending_payment or paid.
Every other move is refused with a Conflict that names the status the order is in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from chainkit.errors import Conflict, FieldError, InvalidArgument
from orders.domain.lines import CURRENCY, OrderLine
from orders.domain.store import Store

PAYMENT_METHODS = frozenset({"cash", "card", "wechat_pay", "alipay"})


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    ONLINE = "online"
    POS = "pos"


S = OrderStatus
# action → the statuses it may start from
ALLOWED_FROM: dict[str, frozenset[OrderStatus]] = {
    "pay": frozenset({S.PENDING_PAYMENT}),
    "confirm": frozenset({S.PAID}),
    "cancel": frozenset({S.PENDING_PAYMENT, S.PAID}),
    "ship": frozenset({S.PAID}),
    "receive": frozenset({S.SHIPPED}),
}


@dataclass(frozen=True)
class Address:
    name: str
    phone: str
    region: str
    city: str
    line1: str
    lat: float | None = None
    lon: float | None = None

    def errors(self, prefix: str = "shipping_address") -> list[FieldError]:
        required = {"name": self.name, "phone": self.phone, "region": self.region}
        required |= {"city": self.city, "line1": self.line1}
        return [FieldError(f"{prefix}.{k}", "is required") for k, v in required.items() if not v]


@dataclass(frozen=True)
class Payment:
    method: str
    amount: int


@dataclass(frozen=True)
class Allocation:
    location_id: str
    sku: str
    qty: int
    reason: str = ""


@dataclass
class Shipment:
    shipment_id: str
    location_id: str
    carrier: str
    waybill_no: str
    delivered_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


@dataclass(frozen=True)
class Package:
    """What leaves one source location: its lines and their weight."""

    location_id: str
    lines: tuple[tuple[str, int], ...]
    weight_g: int


def check_payment(payment: Payment, total: int, field_prefix: str = "payment") -> None:
    errors = []
    if payment.method not in PAYMENT_METHODS:
        allowed = ", ".join(sorted(PAYMENT_METHODS))
        errors.append(FieldError(f"{field_prefix}.method", f"must be one of {allowed}"))
    if payment.amount != total:
        errors.append(FieldError(f"{field_prefix}.amount", f"must equal the order total {total}"))
    if errors:
        raise InvalidArgument("invalid payment", errors)


@dataclass
class Order:
    order_id: str
    order_no: str
    store_id: str
    customer_id: str
    channel: Channel
    status: OrderStatus
    lines: list[OrderLine]
    created_at: datetime
    currency: str = CURRENCY
    shipping_address: Address | None = None
    allocations: list[Allocation] = field(default_factory=list)
    payment_due_at: datetime | None = None
    paid_at: datetime | None = None
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    payment: Payment | None = None
    refunded_amount: int = 0
    shipments: list[Shipment] = field(default_factory=list)
    # Optimistic concurrency: bumped by every saved change.
    version: int = 0

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @classmethod
    def place_online(
        cls,
        *,
        order_id: str,
        order_no: str,
        store: Store,
        customer_id: str,
        lines: list[OrderLine],
        shipping_address: Address,
        allocations: list[Allocation],
        now: datetime,
    ) -> Order:
        return cls(
            order_id=order_id,
            order_no=order_no,
            store_id=store.store_id,
            customer_id=customer_id,
            channel=Channel.ONLINE,
            status=S.PENDING_PAYMENT,
            lines=lines,
            created_at=now,
            shipping_address=shipping_address,
            allocations=allocations,
            payment_due_at=payment_deadline(store, now),
        )

    @classmethod
    def sell_at_till(
        cls,
        *,
        order_id: str,
        order_no: str,
        store: Store,
        customer_id: str,
        lines: list[OrderLine],
        payment: Payment,
        now: datetime,
    ) -> Order:
        """A POS sale: paid and handed over at once, so it is born completed."""
        order = cls(
            order_id=order_id,
            order_no=order_no,
            store_id=store.store_id,
            customer_id=customer_id,
            channel=Channel.POS,
            status=S.COMPLETED,
            lines=lines,
            created_at=now,
            allocations=[
                Allocation(store.location_id, line.sku, line.qty, "sold at the till")
                for line in lines
            ],
        )
        check_payment(payment, order.total)
        order.payment = payment
        order.paid_at = order.completed_at = now
        return order

    def _require(self, action: str) -> None:
        if self.status not in ALLOWED_FROM[action]:
            raise Conflict(f"cannot {action} order {self.order_no}: it is {self.status.value}")

    def check_can_pay(self, payment: Payment, now: datetime) -> None:
        self._require("pay")
        if self.payment_due_at is not None and now > self.payment_due_at:
            raise Conflict(f"the payment deadline of order {self.order_no} has passed")
        check_payment(payment, self.total)

    def pay(self, payment: Payment, now: datetime, *, auto_confirm: bool = False) -> None:
        self.check_can_pay(payment, now)
        self.status = S.PAID
        self.payment = payment
        self.paid_at = now
        if auto_confirm:
            self.confirmed_at = now

    def confirm(self, now: datetime) -> None:
        self._require("confirm")
        if self.confirmed_at is not None:
            raise Conflict(f"order {self.order_no} is already confirmed")
        self.confirmed_at = now

    def cancel(self, reason: str, now: datetime) -> bool:
        """Cancel; returns whether money was taken and is now refunded."""
        self._require("cancel")
        refunded = self.status is S.PAID
        if refunded and self.payment is not None:
            self.refunded_amount = self.payment.amount
        self.status = S.CANCELLED
        self.cancelled_at = now
        self.cancel_reason = reason
        return refunded

    def is_overdue(self, now: datetime) -> bool:
        due = self.payment_due_at
        return self.status is S.PENDING_PAYMENT and due is not None and now > due

    def check_can_ship(self) -> None:
        self._require("ship")
        if self.shipping_address is None:
            raise Conflict(f"order {self.order_no} has no shipping address")

    def packages(self) -> list[Package]:
        """One package per source location; weight = sum of unit weight * allocated qty."""
        weight = {line.sku: line.weight_g for line in self.lines}
        by_location: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for a in self.allocations:
            by_location[a.location_id].append((a.sku, a.qty))
        return [
            Package(loc, tuple(items), sum(weight.get(sku, 0) * qty for sku, qty in items))
            for loc, items in by_location.items()
        ]

    def ship(self, shipments: list[Shipment], now: datetime) -> None:
        """Shipped once every package has left: one shipment per source location."""
        self.check_can_ship()
        missing = {p.location_id for p in self.packages()} - {s.location_id for s in shipments}
        if missing:
            raise Conflict(f"no shipment for location(s) {', '.join(sorted(missing))}")
        self.shipments = list(shipments)
        self.status = S.SHIPPED
        self.shipped_at = now

    def receive(self, now: datetime) -> None:
        """The customer confirms receipt: completed whatever the carriers say."""
        self._require("receive")
        self._complete(now)

    def mark_delivered(self, shipment_id: str, now: datetime) -> bool:
        """A carrier delivered one shipment; returns True when that completes the order."""
        shipment = next((s for s in self.shipments if s.shipment_id == shipment_id), None)
        if shipment is None:
            raise Conflict(f"order {self.order_no} has no shipment {shipment_id}")
        if shipment.delivered:
            return False
        shipment.delivered_at = now
        if self.status is S.SHIPPED and all(s.delivered for s in self.shipments):
            self._complete(now)
            return True
        return False

    def _complete(self, now: datetime) -> None:
        self.status = S.COMPLETED
        self.completed_at = now


def payment_deadline(store: Store, now: datetime) -> datetime:
    return now + timedelta(seconds=store.payment_timeout_s)
