"""The Order aggregate and its state machine.

pending_payment → paid → shipped → completed, and cancelled from pending_payment or paid.
Every other move is refused with a Conflict that names the status the order is in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from chainkit.errors import Conflict, InvalidArgument
from orders.domain.events import (
    OrderAddressChanged,
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderCreated,
    OrderEvent,
    OrderPaid,
    OrderShipped,
)
from orders.domain.lines import CURRENCY, OrderLine
from orders.domain.store import Store
from orders.domain.timeline import DEADLINE_REASON, Action, TimelineEntry, iso
from orders.domain.values import PAYMENT_METHODS as PAYMENT_METHODS
from orders.domain.values import Address as Address
from orders.domain.values import Allocation as Allocation
from orders.domain.values import Package as Package
from orders.domain.values import Payment as Payment
from orders.domain.values import Shipment as Shipment
from orders.domain.values import check_payment as check_payment


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
    "correct the address of": frozenset({S.PENDING_PAYMENT, S.PAID}),
}


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
    timeline: list[TimelineEntry] = field(default_factory=list)
    # Cancelled, and inventory has not yet confirmed the units are released/restocked.
    release_pending: bool = False
    # Optimistic concurrency: bumped by every saved change.
    version: int = 0
    # The IANA zone of its business day (the date in order_no); "" before it was recorded.
    time_zone: str = ""
    # What happened to it since it was loaded, for the unit of work to publish (not stored).
    events: list[OrderEvent] = field(default_factory=list, compare=False, repr=False)

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
        by: str = "",
        time_zone: str = "",
    ) -> Order:
        order = cls(
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
            time_zone=time_zone,
        )
        order._log(Action.CREATED, "", now, by, "online order, stock reserved")
        order.events.append(OrderCreated())
        return order

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
        by: str = "",
        time_zone: str = "",
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
            time_zone=time_zone,
        )
        check_payment(payment, order.total)
        order.payment = payment
        order.paid_at = order.completed_at = now
        order._log(Action.CREATED, "", now, by, f"sold at the till, paid by {payment.method}")
        order.events += [OrderCreated(), OrderPaid(), OrderCompleted()]
        return order

    def _log(self, action: Action, before: str, now: datetime, by: str, reason: str) -> None:
        entry = TimelineEntry(now, action, str(before), self.status.value, by, reason)
        self.timeline.append(entry)

    def _require(self, action: str) -> None:
        if self.status not in ALLOWED_FROM[action]:
            why = ""
            if self.status is S.CANCELLED and self.cancel_reason:
                why = f" ({self.cancel_reason})"
            raise Conflict(f"cannot {action} order {self.order_no}: it is {self.status.value}{why}")

    def check_can_pay(self, payment: Payment, now: datetime) -> None:
        """Accepted iff received by the deadline and the order still awaits payment."""
        due = self.payment_due_at
        if due is not None and self.cancel_reason == DEADLINE_REASON:
            raise Conflict(
                f"cannot pay order {self.order_no}: it is {self.status.value} "
                f"(payment deadline passed at {iso(due, self.time_zone)})"
            )
        self._require("pay")
        if due is not None and now > due:
            raise Conflict(
                f"payment deadline passed at {iso(due, self.time_zone)} for order {self.order_no}"
            )
        check_payment(payment, self.total)

    def pay(
        self, payment: Payment, now: datetime, *, by: str = "", auto_confirm: bool = False
    ) -> None:
        self.check_can_pay(payment, now)
        self.status = S.PAID
        self.payment = payment
        self.paid_at = now
        self._log(Action.PAID, S.PENDING_PAYMENT, now, by, f"{payment.method} {payment.amount}")
        self.events.append(OrderPaid())
        if auto_confirm:
            self.confirmed_at = now
            self._log(Action.CONFIRMED, S.PAID, now, by, "the store confirms automatically")
            self.events.append(OrderConfirmed())

    def confirm(self, now: datetime, *, by: str = "") -> None:
        self._require("confirm")
        if self.confirmed_at is not None:
            raise Conflict(f"order {self.order_no} is already confirmed")
        self.confirmed_at = now
        self._log(Action.CONFIRMED, S.PAID, now, by, "reviewed")
        self.events.append(OrderConfirmed())

    def correct_address(
        self, address: Address, now: datetime, *, by: str = "", why: str = ""
    ) -> None:
        """Before it ships only: the carrier is chosen from the address at shipping time."""
        self._require("correct the address of")
        errors = address.errors()
        if errors:
            raise InvalidArgument("invalid shipping address", errors)
        old = self.shipping_address
        self.shipping_address = address
        moved = f"{old.region}/{old.city} -> " if old else ""
        reason = why or "address corrected"
        self._log(
            Action.ADDRESS_CORRECTED,
            self.status,
            now,
            by,
            f"{reason} ({moved}{address.region}/{address.city})",
        )
        self.events.append(OrderAddressChanged())

    def cancel(self, reason: str, now: datetime, *, by: str = "") -> bool:
        """Cancel; returns whether money was taken and is now refunded. The units are to be
        released by inventory afterwards (`release_pending` until that is confirmed)."""
        self._require("cancel")
        before = self.status
        refunded = before is S.PAID
        if refunded and self.payment is not None:
            self.refunded_amount = self.payment.amount
        self.status = S.CANCELLED
        self.cancelled_at = now
        self.cancel_reason = reason
        self.release_pending = True
        note = f"; refund {self.refunded_amount}" if refunded else ""
        self._log(Action.CANCELLED, before, now, by, (reason or "cancelled") + note)
        self.events.append(OrderCancelled(refunded=refunded))
        return refunded

    def is_overdue(self, now: datetime) -> bool:
        due = self.payment_due_at
        return self.status is S.PENDING_PAYMENT and due is not None and now > due

    def check_can_ship(self, *, auto_confirm: bool = False) -> None:
        """Paid and reviewed (confirmed) first, unless the store confirms automatically."""
        self._require("ship")
        if self.shipping_address is None:
            raise Conflict(f"order {self.order_no} has no shipping address")
        if self.confirmed_at is None and not auto_confirm:
            raise Conflict(f"order {self.order_no} must be confirmed before it ships")

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

    def ship(
        self, shipments: list[Shipment], now: datetime, *, by: str = "", auto_confirm: bool = False
    ) -> None:
        """Shipped once every package has left: one shipment per source location."""
        self.check_can_ship(auto_confirm=auto_confirm)
        missing = {p.location_id for p in self.packages()} - {s.location_id for s in shipments}
        if missing:
            raise Conflict(f"no shipment for location(s) {', '.join(sorted(missing))}")
        self.shipments = list(shipments)
        self.status = S.SHIPPED
        self.shipped_at = now
        waybills = ", ".join(f"{s.carrier} {s.waybill_no}" for s in shipments)
        self._log(Action.SHIPPED, S.PAID, now, by, f"{len(shipments)} shipment(s): {waybills}")
        self.events.append(OrderShipped())

    def receive(self, now: datetime, *, by: str = "") -> None:
        """The customer confirms receipt: completed whatever the carriers say."""
        self._require("receive")
        self._complete(now, by, "receipt confirmed")

    def mark_delivered(self, shipment_id: str, now: datetime, *, by: str = "") -> bool:
        """A carrier delivered one shipment; returns True when that completes the order."""
        shipment = next((s for s in self.shipments if s.shipment_id == shipment_id), None)
        if shipment is None:
            raise Conflict(f"order {self.order_no} has no shipment {shipment_id}")
        if shipment.delivered:
            return False
        shipment.delivered_at = now
        done = sum(s.delivered for s in self.shipments)
        note = f"{shipment.carrier} {shipment.waybill_no} delivered ({done}/{len(self.shipments)})"
        self._log(Action.DELIVERED, self.status, now, by, note)
        if self.status is S.SHIPPED and all(s.delivered for s in self.shipments):
            self._complete(now, by, "all shipments delivered")
            return True
        return False

    def _complete(self, now: datetime, by: str, reason: str) -> None:
        before = self.status
        self.status = S.COMPLETED
        self.completed_at = now
        self._log(Action.COMPLETED, before, now, by, reason)
        self.events.append(OrderCompleted())


def payment_deadline(store: Store, now: datetime) -> datetime:
    return now + timedelta(seconds=store.payment_timeout_s)
