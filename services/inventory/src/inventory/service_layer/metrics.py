"""Inventory's own Prometheus metrics (the list: docs/metrics.md)."""

from __future__ import annotations

import prometheus_client as prom

from chainkit.errors import DomainError, InvalidArgument
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
)  # counted by adapters/event_codec.count_low_stock after each COMMIT


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
