"""The gateway's own metrics: dependencies watched from start-up, request durations by
route template with a bounded set of method labels."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from gateway.api.routes.health import DEPENDENCY_UP
from gateway.core.config import Settings

from .conftest import Running


def dependency_up(text: str) -> dict[str, float]:
    return {
        s.labels["dependency"]: s.value
        for f in text_string_to_metric_families(text)
        if f.name == "gateway_dependency_up"
        for s in f.samples
    }


async def test_dependencies_are_watched_without_anyone_asking(
    settings: Settings, running: Running
) -> None:
    DEPENDENCY_UP.clear()  # nothing left from another test of this process
    watched = settings.model_copy(update={"metrics_refresh_s": 0.1})
    async with running(watched) as (_, client):
        seen: dict[str, float] = {}
        for _ in range(100):  # never calls /healthz/dependencies
            seen = dependency_up((await client.get("/metrics")).text)
            if len(seen) == 4:
                break
            await asyncio.sleep(0.05)
    # The three services answer; the settings' NATS (port 1) does not.
    assert seen == {"inventory": 1.0, "orders": 1.0, "logistics": 1.0, "nats": 0.0}


async def test_methods_no_route_serves_share_one_label_value(
    settings: Settings, running: Running
) -> None:
    async with running(settings) as (_, client):
        for method in ("BREW", "WHEN"):
            await client.request(method, "/healthz")
        text = (await client.get("/metrics")).text
    assert 'method="other",route="/healthz"' in text
    assert "BREW" not in text and "WHEN" not in text
