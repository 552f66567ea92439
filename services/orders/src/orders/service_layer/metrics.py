"""Orders' own Prometheus metrics (the list: docs/metrics.md)."""

from __future__ import annotations

import prometheus_client as prom
from prometheus_client.metrics import Counter

from orders.domain.order import Channel

ORDERS_PLACED = prom.Counter(
    "orders_placed_total", "Orders recorded, by channel (online, till)", ["channel"]
)
# The label says "till", the word operators use; the domain's channel is `pos`.
PLACED: dict[str, Counter] = {
    Channel.ONLINE.value: ORDERS_PLACED.labels("online"),
    Channel.POS.value: ORDERS_PLACED.labels("till"),
}
PAYMENT_DEADLINE_CANCELLATIONS = prom.Counter(
    "orders_payment_deadline_cancellations_total",
    "Orders cancelled because their payment deadline passed",
)
