"""The receipt (小票) of a paid order or a till sale: what the customer takes home.

Times are printed in the order's business time zone (the one its number was dated in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from chainkit.errors import Conflict
from orders.domain.lines import OrderLine
from orders.domain.order import Order, OrderStatus
from orders.domain.values import Payment


@dataclass(frozen=True)
class Receipt:
    order_id: str
    order_no: str
    store_id: str
    store_name: str
    store_city: str
    channel: str
    status: str
    paid_at: datetime
    time_zone: str
    # paid_at as the till's clock showed it: "YYYY-MM-DD HH:MM:SS" in time_zone.
    local_time: str
    lines: tuple[OrderLine, ...]
    total: int
    currency: str
    payment: Payment
    refunded_amount: int

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)


def receipt_of(order: Order, store_name: str, store_city: str, chain_tz: ZoneInfo) -> Receipt:
    """Every paid order has one (a refund is printed on it); an unpaid one has none."""
    if order.paid_at is None or order.payment is None:
        why = "it was cancelled unpaid" if order.status is OrderStatus.CANCELLED else "unpaid"
        raise Conflict(f"order {order.order_no} has no receipt: {why}")
    zone = ZoneInfo(order.time_zone) if order.time_zone else chain_tz
    return Receipt(
        order_id=order.order_id,
        order_no=order.order_no,
        store_id=order.store_id,
        store_name=store_name,
        store_city=store_city,
        channel=order.channel.value,
        status=order.status.value,
        paid_at=order.paid_at,
        time_zone=zone.key,
        local_time=order.paid_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        lines=tuple(order.lines),
        total=order.total,
        currency=order.currency,
        payment=order.payment,
        refunded_amount=order.refunded_amount,
    )
