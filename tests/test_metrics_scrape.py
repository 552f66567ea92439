"""Every service's metrics endpoint on the real suite: each name of the catalogue
(docs/metrics.md) is there from start-up with its type, and the outbox backlog shows the
events that wait while NATS is down."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chainstore.common.v1.common_pb2 import Money, SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1.inventory_pb2_grpc import InventoryServiceStub
from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.infra import free_port

pytestmark = pytest.mark.e2e

C, G, H = "counter", "gauge", "histogram"
GRPC_SERVICE = {
    "grpc_server_handled_total": C,
    "grpc_server_handling_seconds": H,
    "grpc_client_handled_total": C,
    "grpc_client_handling_seconds": H,
    "outbox_events_published_total": C,
    "outbox_events_duplicate_total": C,
    "outbox_relay_from_memory": G,
    "outbox_backlog_events": G,
    "outbox_oldest_unsent_age_seconds": G,
    "nats_connected": G,
    "nats_consumer_pending_messages": G,
    "nats_consumer_ack_pending_messages": G,
    "nats_consumer_redelivered_total": C,
    "events_handled_total": C,
    "event_handling_seconds": H,
}
CATALOGUE = {
    "inventory": {
        **GRPC_SERVICE,
        "inventory_reservations_refused_total": C,
        "inventory_low_stock_total": C,
    },
    "orders": {
        **GRPC_SERVICE,
        "orders_placed_total": C,
        "orders_payment_deadline_cancellations_total": C,
    },
    "logistics": {
        **GRPC_SERVICE,
        "logistics_stalled_shipments": G,
        "logistics_shipments_stalled_total": C,
        "logistics_carrier_push_gap_open": G,
        "logistics_carrier_poll_rate_limited_total": C,
    },
    "gateway": {
        "http_server_request_duration_seconds": H,
        "gateway_dependency_up": G,
        "grpc_client_handled_total": C,
        "grpc_client_handling_seconds": H,
        "nats_connected": G,
        "feed_clients_connected": G,
        "feed_clients_dropped_total": C,
        "feed_position": G,
        "nats_consumer_pending_messages": G,
        "nats_consumer_ack_pending_messages": G,
        "nats_consumer_redelivered_total": C,
        "events_handled_total": C,
        "event_handling_seconds": H,
        # The shared library's, never moving here: the gateway serves no gRPC, has no outbox.
        "grpc_server_handled_total": C,
        "grpc_server_handling_seconds": H,
        "outbox_events_published_total": C,
        "outbox_events_duplicate_total": C,
        "outbox_relay_from_memory": G,
        "outbox_backlog_events": G,
        "outbox_oldest_unsent_age_seconds": G,
    },
}
# Histograms with series from start-up (their label values are known in advance).
OBSERVED_FROM_START = {
    "inventory": ["grpc_server_handling_seconds"],
    "orders": ["grpc_server_handling_seconds", "grpc_client_handling_seconds"],
    "logistics": ["grpc_server_handling_seconds"],
    "gateway": ["grpc_client_handling_seconds"],
}
REFRESH_S = 0.3


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("metrics")
    env: dict[str, str] = {}
    for service in ("INVENTORY", "ORDERS", "LOGISTICS"):
        env[f"{service}_METRICS_PORT"] = str(free_port())
    for service in ("INVENTORY", "ORDERS", "LOGISTICS", "GATEWAY"):
        env[f"{service}_METRICS_REFRESH_S"] = str(REFRESH_S)
    stack = Stack(data_dir=data_dir, ports=Ports.free(), extra_env=env)
    with seeded_stack(stack):
        yield stack


def metrics_url(stack: Stack, service: str) -> str:
    if service == "gateway":  # development: /metrics on the public port
        return f"{stack.gateway_url}/metrics"
    return f"http://127.0.0.1:{stack.extra_env[f'{service.upper()}_METRICS_PORT']}/metrics"


def scrape(stack: Stack, service: str) -> str:
    r = httpx.get(metrics_url(stack, service), timeout=5)
    assert r.status_code == 200, r.text
    return r.text


def sample(text: str, name: str, labels: dict[str, str] | None = None) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and (labels is None or labels.items() <= s.labels.items()):
                return float(s.value)
    return None


def eventually(what: str, check: Callable[[], bool], within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s}s: {what}")
        time.sleep(0.2)


@pytest.mark.parametrize("service", list(CATALOGUE))
def test_each_catalogue_name_is_exported_with_its_type(suite: Stack, service: str) -> None:
    httpx.get(f"{suite.gateway_url}/healthz", timeout=5)  # a request for the HTTP histogram
    text = scrape(suite, service)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, kind in CATALOGUE[service].items():
        # The parser names a counter's family without `_total`; its samples keep it.
        family = families.get(name.removesuffix("_total") if kind == C else name)
        assert family is not None, f"{service}: {name} missing"
        assert family.type == kind, f"{service}: {name} is a {family.type}, not a {kind}"
        assert f"# TYPE {name} {kind}" in text
        if kind == C:
            assert name.endswith("_total")
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        if kind == H and family.samples:
            assert any(s.name == f"{name}_bucket" for s in family.samples), name
    observed = [*OBSERVED_FROM_START[service]]
    if service == "gateway":
        observed.append("http_server_request_duration_seconds")
    for name in observed:
        assert sample(text, f"{name}_bucket") is not None, f"{service}: {name} has no series"


@pytest.mark.parametrize("service", list(CATALOGUE))
def test_each_exported_name_is_in_the_catalogue(suite: Stack, service: str) -> None:
    """The reverse: a name the process exports that the catalogue lacks fails here, but for
    the client library's own: its process_* and python_* collectors and the `_created`
    series it adds to each counter and histogram."""
    text = scrape(suite, service)
    documented = {n.removesuffix("_total") if k == C else n for n, k in CATALOGUE[service].items()}
    library = {f"{n.removesuffix('_total')}_created" for n in CATALOGUE[service]}
    undocumented = {
        f.name
        for f in text_string_to_metric_families(text)
        if f.name not in documented | library and not f.name.startswith(("process_", "python_"))
    }
    assert not undocumented, f"{service} exports names docs/metrics.md lacks: {undocumented}"


def test_route_label_is_the_template_not_the_path(suite: Stack) -> None:
    httpx.get(f"{suite.gateway_url}/v1/orders/no-such-order", timeout=5)
    text = scrape(suite, "gateway")
    assert 'route="/v1/orders/{order_ref}"' in text
    assert "no-such-order" not in text


@pytest.mark.parametrize(
    ("service", "stream", "durable"),
    [
        ("orders", "ORDERS", "orders-analytics"),
        ("orders", "LOGISTICS", "orders-logistics"),
        ("gateway", "FEED", "gateway-notifications"),
    ],
)
def test_each_durable_consumer_has_its_series(
    suite: Stack, service: str, stream: str, durable: str
) -> None:
    def reported() -> bool:
        text = scrape(suite, service)
        lag = {"stream": stream, "durable": durable}
        return (
            sample(text, "nats_consumer_pending_messages", lag) is not None
            and sample(text, "nats_consumer_ack_pending_messages", lag) is not None
            and sample(text, "events_handled_total", {"durable": durable}) is not None
        )

    eventually(f"consumer gauges of {durable}", reported)


def test_outbox_backlog_shows_events_waiting_while_nats_is_down(suite: Stack) -> None:
    assert suite.nats is not None
    for service in ("inventory", "gateway"):
        eventually(f"{service} connected", lambda s=service: connected(suite, s) == 1.0)
    suite.nats.stop()
    try:
        eventually("inventory sees NATS down", lambda: connected(suite, "inventory") == 0.0)
        eventually("the gateway sees NATS down", lambda: connected(suite, "gateway") == 0.0)
        receive_stock(suite)  # commits a stock_received event the relay cannot publish
        eventually("a backlog", lambda: (backlog(suite) or 0) >= 1)
        eventually("its age grows", lambda: (sample(scrape(suite, "inventory"), AGE) or 0.0) > 0.5)
    finally:
        suite.nats.start()
    eventually("the backlog drains", lambda: backlog(suite) == 0, within_s=60)
    assert sample(scrape(suite, "inventory"), AGE) == 0.0
    assert connected(suite, "inventory") == 1.0


AGE = "outbox_oldest_unsent_age_seconds"


def connected(stack: Stack, service: str) -> float | None:
    return sample(scrape(stack, service), "nats_connected")


def backlog(stack: Stack) -> float | None:
    return sample(scrape(stack, "inventory"), "outbox_backlog_events")


def receive_stock(stack: Stack) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.inventory}") as channel:
        stub = InventoryServiceStub(channel)
        location = pb.Location(
            location_id="WH-M", name="Metrics", kind=pb.LOCATION_KIND_WAREHOUSE, region="east"
        )
        stub.CreateLocation(pb.CreateLocationRequest(location=location), timeout=10)
        product = pb.Product(
            sku="TEA-M", name="Tea", category="tea", price=Money(amount=100, currency="CNY")
        )
        stub.CreateProduct(pb.CreateProductRequest(product=product), timeout=10)
        stub.ReceiveStock(
            pb.ReceiveStockRequest(
                location_id="WH-M", lines=[SkuQty(sku="TEA-M", qty=5)], reference="PO-M"
            ),
            timeout=10,
        )
