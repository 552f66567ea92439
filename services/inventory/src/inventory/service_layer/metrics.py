"""Inventory's own Prometheus metrics (the list: docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Sequence

import prometheus_client as prom

from chainkit.errors import DomainError, InvalidArgument
from chainkit.events import OutgoingEvent, subject_for
from inventory.domain.errors import InsufficientStock
from inventory.service_layer.references import UNKNOWN_SKU

RESERVATIONS_REFUSED = prom.Counter(
    "inventory_reservations_refused_total",
    "Reservations refused, by reason (insufficient_stock, unknown_sku, other)",
    ["reason"],
)
_REFUSED = {
    r: RESERVATIONS_REFUSED.labels(r) for r in ("insufficient_stock", "unknown_sku", "other")
}
LOW_STOCK = prom.Counter(
    "inventory_low_stock_total",
    "inventory.low_stock events committed (a level fell to its threshold)",
)
_LOW_STOCK_SUBJECT = subject_for("inventory.low_stock")


def count_refusal(error: DomainError) -> None:
    _REFUSED[refusal_reason(error)].inc()


def refusal_reason(error: DomainError) -> str:
    if isinstance(error, InsufficientStock):
        return "insufficient_stock"
    if isinstance(error, InvalidArgument) and any(
        e.message.startswith(UNKNOWN_SKU) for e in error.errors
    ):
        return "unknown_sku"
    return "other"


def count_low_stock(events: Sequence[OutgoingEvent]) -> None:
    """After a COMMIT: the low-stock alerts it wrote (a Reserve batch's events are mostly
    stock_reserved; comparing subjects is all it costs)."""
    fell = sum(1 for e in events if e.subject == _LOW_STOCK_SUBJECT)
    if fell:
        LOW_STOCK.inc(fell)
