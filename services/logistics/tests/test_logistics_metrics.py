"""Logistics' metrics move with what the sweeps and polls find: shipments stalled (a
counter, and the gauge refreshed from the table), push gaps open, polls rate-limited."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prometheus_client import REGISTRY

from logistics.adapters.carriers.signed_push import sign
from logistics.service_layer import metrics, polling, stalls, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"


def scan_body(waybill: str, event_id: str, code: str, at: datetime) -> bytes:
    doc = {
        "events": [
            {"event_id": event_id, "waybill_no": waybill, "code": code, "at": at.isoformat()}
        ]
    }
    return json.dumps(doc).encode()


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_stalled_shipment_is_counted_once_and_the_gauge_follows_the_flag(
    deps: Deps, ship: Any, clock: Any
) -> None:
    parcel = await ship("sf", "o-1")
    picked = scan_body(parcel.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", picked, sign(SECRET, picked))
    before = value("logistics_shipments_stalled_total")
    await metrics.refresh_gauges(deps)
    assert value("logistics_stalled_shipments") == 0

    clock.advance(hours=25)  # picked up, then silent past the 24 h sf allows
    await stalls.sweep(deps)
    await stalls.sweep(deps)  # flagged once, counted once
    assert value("logistics_shipments_stalled_total") - before == 1
    await metrics.refresh_gauges(deps)
    assert value("logistics_stalled_shipments") == 1

    moving = scan_body(parcel.waybill_no, "e2", "DEP", clock.now)
    await tracking.ingest_push(deps, "sf", moving, sign(SECRET, moving))
    await metrics.refresh_gauges(deps)
    assert value("logistics_stalled_shipments") == 0  # the scan cleared the flag
    assert value("logistics_shipments_stalled_total") - before == 1  # a counter stays


async def test_an_open_push_gap_shows_per_carrier_until_scans_resume(
    deps: Deps, ship: Any, clock: Any
) -> None:
    parcel = await ship("sf", "o-1")
    clock.advance(hours=7)  # sf's push-gap limit is 6 h, and it sent nothing
    await stalls.sweep(deps)
    await metrics.refresh_gauges(deps)
    assert value("logistics_carrier_push_gap_open", carrier="sf") == 1
    assert value("logistics_carrier_push_gap_open", carrier="jd") == 0

    body = scan_body(parcel.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    await stalls.sweep(deps)
    await metrics.refresh_gauges(deps)
    assert value("logistics_carrier_push_gap_open", carrier="sf") == 0


async def test_polls_answered_rate_limited_are_counted_per_carrier(
    deps: Deps, ship: Any, carrier_api: Any, clock: Any
) -> None:
    for i in range(2):
        await ship("zto", f"o-{i}")
    clock.advance(minutes=11)
    carrier_api.rate_limited["zto"] = 60.0
    before = value("logistics_carrier_poll_rate_limited_total", carrier="zto")
    assert (await polling.poll_due(deps, concurrency=1)).rate_limited == {"zto"}
    # One poll asked and was refused; the other parcel was left for after Retry-After.
    assert value("logistics_carrier_poll_rate_limited_total", carrier="zto") - before == 1
