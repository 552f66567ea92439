"""Logistics' own Prometheus metrics (the list: docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Iterable

import prometheus_client as prom

from logistics.service_layer.deps import Deps

STALLED = prom.Gauge("logistics_stalled_shipments", "Shipments flagged stalled now")
STALLED_TOTAL = prom.Counter(
    "logistics_shipments_stalled_total", "Shipments flagged stalled (by this process's sweeps)"
)
PUSH_GAP_OPEN = prom.Gauge(
    "logistics_carrier_push_gap_open",
    "1 while a pushing carrier's push-gap alert is open (it sent nothing for too long)",
    ["carrier"],
)
POLL_RATE_LIMITED = prom.Counter(
    "logistics_carrier_poll_rate_limited_total",
    "Tracking polls a carrier answered with 'rate limited' (HTTP 429)",
    ["carrier"],
)


def expect_carriers(codes: Iterable[str]) -> None:
    """Every carrier's series, from start-up."""
    for code in codes:
        PUSH_GAP_OPEN.labels(code)
        POLL_RATE_LIMITED.labels(code)


async def refresh_gauges(deps: Deps) -> None:
    """The stalled count and open push gaps, read from the tables (chainkit.metrics_refresh
    calls this every few seconds)."""
    async with deps.reader() as uow:
        stalled = await uow.shipments.count_stalled()
        gaps = await uow.shipments.open_push_gaps()
    STALLED.set(stalled)
    for carrier in deps.carriers:
        PUSH_GAP_OPEN.labels(carrier.code).set(1 if carrier.code in gaps else 0)
