"""The request deadline bounds every gRPC call made for a request (a shared CreateOrders
call too); the access log is off by default and, on, names route, status and duration."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.core.config import Settings

from .conftest import Running

ORDER = {
    "store_id": "S1",
    "channel": "online",
    "lines": [{"sku": "SKU-1", "qty": 2}],
    "shipping_address": {
        "name": "Li Lei",
        "phone": "13800000000",
        "region": "east",
        "city": "Shanghai",
        "line1": "1 Nanjing Road",
    },
}


@pytest.fixture
async def hurried(settings: Settings, running: Running) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose requests have 0.4 s, though each call may take 5."""
    update = {"request_deadline_s": 0.4, "rpc_timeout_s": 5.0}
    async with running(settings, **update) as (_, c):
        yield c


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/orders", ORDER), ("GET", "/v1/orders/O-1", None)],
    ids=["batched-placement", "direct-call"],
)
async def test_a_slow_backend_answers_504_by_the_request_deadline(
    hurried: httpx.AsyncClient,
    backends: Any,
    tokens: Any,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    backends.orders.delay_s = 3.0
    started = time.monotonic()
    r = await hurried.request(method, path, json=body, headers=tokens.alice)
    assert r.status_code == 504, r.text
    assert time.monotonic() - started < 1.5
    assert backends.orders.calls  # the call was made, and given up on in time


async def test_access_log_is_off_by_default(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        assert (await client.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.name == "gateway.access"]


async def test_access_log_names_method_route_status_and_duration(
    settings: Settings, tokens: Any, caplog: pytest.LogCaptureFixture, running: Running
) -> None:
    async with running(settings, access_log=True) as (_, c):
        with caplog.at_level(logging.INFO, logger="gateway.access"):
            r = await c.get("/v1/orders/NO-SUCH", headers=tokens.alice)
    [record] = [r for r in caplog.records if r.name == "gateway.access"]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["method"] == "GET"
    assert fields["route"] == "/v1/orders/{order_ref}"
    assert fields["status"] == r.status_code
    assert fields["duration_ms"] >= 0
