"""Problem details for every failure, start-up refusal, health, readiness and metrics."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from chainstore.orders.v1 import orders_pb2
from chainstore_dev.testing import NatsServer, free_port
from gateway.adapters.mappers import orders as orders_mapper
from gateway.core.config import Settings
from gateway.main import create_app, load_settings

from .conftest import Running

PROBLEM = "application/problem+json"


async def test_backend_down_is_503_without_internals(
    settings: Settings, tokens: Any, running: Running
) -> None:
    down = settings.model_copy(update={"orders_addr": f"127.0.0.1:{free_port()}"})
    async with running(down) as (_, client):
        r = await client.get("/v1/orders", headers=tokens.hq)

    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["detail"] == "a backend service is unavailable; try again shortly"
    assert "127.0.0.1" not in r.text


async def test_slow_backend_is_504(
    settings: Settings, backends: Any, tokens: Any, running: Running
) -> None:
    backends.orders.delay_s = 1.0
    async with running(settings, rpc_timeout_s=0.2) as (_, client):
        r = await client.get("/v1/stores", headers=tokens.hq)

    assert r.status_code == 504
    assert r.json()["status"] == 504


async def test_reply_outside_the_contract_is_502(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_UNSPECIFIED)

    r = await client.get(f"/v1/orders/{order.order_id}", headers=tokens.hq)

    assert r.status_code == 502
    assert r.headers["content-type"] == PROBLEM


async def test_unexpected_error_is_500_without_a_stack_trace(
    client: httpx.AsyncClient, backends: Any, tokens: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(order: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(orders_mapper, "order_out", broken)
    order = backends.orders.seed("S1", "C-ALICE")

    r = await client.get(f"/v1/orders/{order.order_id}", headers=tokens.hq)

    assert r.status_code == 500
    assert r.headers["content-type"] == PROBLEM
    assert "secret internals" not in r.text and "Traceback" not in r.text


async def test_unknown_route_wrong_method_and_bad_json_are_problems(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    missing = await client.get("/v1/no-such-resource", headers=tokens.hq)
    method = await client.delete("/v1/orders", headers=tokens.hq)
    bad_json = await client.post(
        "/v1/orders",
        content=b"{not json",
        headers={**tokens.hq, "Content-Type": "application/json"},
    )

    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert method.status_code == 405 and method.json()["title"] == "Method Not Allowed"
    assert bad_json.status_code == 422
    assert bad_json.json()["errors"][0]["field"] == "body"


def test_refuses_to_start_outside_development_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHAINSTORE_HQ_PASSWORD", raising=False)
    monkeypatch.delenv("GATEWAY_JWT_SECRET", raising=False)
    strong = "s" * 40

    with pytest.raises(ValidationError, match="CHAINSTORE_HQ_PASSWORD"):
        Settings(environment="production", jwt_secret=strong)
    with pytest.raises(ValidationError, match="GATEWAY_JWT_SECRET"):
        Settings(environment="production", hq_password="hq-password")
    with pytest.raises(ValidationError, match="GATEWAY_JWT_SECRET"):
        Settings(environment="staging", hq_password="hq-password", jwt_secret="short")
    assert Settings(environment="production", hq_password="pw", jwt_secret=strong)
    assert Settings(environment="development").hq_password is None

    monkeypatch.setenv("CHAINSTORE_ENV", "production")
    with pytest.raises(SystemExit):
        load_settings()
    monkeypatch.setenv("CHAINSTORE_HQ_PASSWORD", "from-the-env")
    monkeypatch.setenv("GATEWAY_JWT_SECRET", strong)
    loaded = load_settings()
    assert loaded.hq_password is not None
    assert loaded.hq_password.get_secret_value() == "from-the-env"


async def test_healthz_and_correlation_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Correlation-Id": "req-42"})

    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["x-correlation-id"] == "req-42"


async def test_dependencies_are_reported_without_making_the_gateway_unready(
    settings: Settings, nats_server: NatsServer, running: Running
) -> None:
    ready = settings.model_copy(update={"nats_url": nats_server.url})
    async with running(ready) as (_, client):
        ok = await client.get("/healthz/dependencies")
        nats_server.stop()
        no_nats = await client.get("/healthz/dependencies")
        still_ready = await client.get("/readyz")
        metrics = (await client.get("/metrics")).text

    assert ok.status_code == 200, ok.text
    assert ok.json() == {
        "status": "ok",
        "checks": {"inventory": "ok", "orders": "ok", "logistics": "ok", "nats": "ok"},
    }
    assert no_nats.status_code == 200
    assert no_nats.json()["status"] == "degraded"
    assert no_nats.json()["checks"]["nats"] == "down"
    assert no_nats.json()["checks"]["orders"] == "ok"
    # Orders and payments keep working without NATS: the gateway stays in service.
    assert still_ready.status_code == 200
    assert 'gateway_dependency_up{dependency="nats"} 0.0' in metrics


async def test_a_service_that_is_down_is_named_and_the_gateway_stays_ready(
    settings: Settings,
    running: Running,
) -> None:
    down = settings.model_copy(update={"logistics_addr": f"127.0.0.1:{free_port()}"})
    async with running(down) as (_, client):
        r = await client.get("/healthz/dependencies")
        ready = await client.get("/readyz")

    assert r.json()["checks"]["logistics"] == "down" and r.json()["status"] == "degraded"
    assert ready.status_code == 200


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient, tokens: Any) -> None:
    await client.get("/v1/stores", headers=tokens.hq)

    r = await client.get("/metrics")

    assert r.status_code == 200
    assert (
        'http_server_request_duration_seconds_count{method="GET",route="/v1/stores",status="200"}'
        in (r.text)
    )


async def test_serving_for_real_freezes_what_the_start_up_built(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, running: Running
) -> None:
    frozen_with: list[object] = []
    app = create_app(settings, freeze_gc=True)
    monkeypatch.setattr(
        "gateway.main.tune_gc_for_serving", lambda: frozen_with.append(app.state.gateway.feed)
    )
    async with app.router.lifespan_context(app):
        assert len(frozen_with) == 1 and frozen_with[0] is not None  # after the feed was built
    async with running(settings):
        pass
    assert len(frozen_with) == 1  # not by default (tests)
