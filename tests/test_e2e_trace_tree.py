"""One order's trace, across every process: the suite runs with OTLP export switched on by
the standard environment, into an OTLP/HTTP receiver in this process (chainstore_dev.testing.otlp),
and the spans of one placement (and of its payment) must form the tree docs/tracing.md
describes."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanPb

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.otlp import Receiver, Span

pytestmark = pytest.mark.e2e

ADDRESS = {
    "name": "王爱丽",
    "phone": "13800000000",
    "district_code": "310115",
    "line1": "世纪大道 1 号",
    "postcode": "200120",
}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Stack]:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within a tenth of a second
        "GATEWAY_ACCESS_LOG": "true",
    }
    data_dir: Path = tmp_path_factory.mktemp("traced")
    suite = Stack(data_dir=data_dir, ports=Ports.free(), carrier_pace_s=0.3, extra_env=env)
    with seeded_stack(suite):
        yield suite


class Tree:
    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans
        self.by_id = {s.span_id: s for s in spans}

    def one(self, service: str, name: str, under: Span | None = None) -> Span:
        found = [
            s
            for s in self.spans
            if s.service == service
            and s.name == name
            and (under is None or self.descends(s, under))
        ]
        assert found, f"no span {name!r} of {service} under {under}:\n{self.show()}"
        return found[0]

    def descends(self, span: Span, ancestor: Span) -> bool:
        while span.parent_id:
            if span.parent_id == ancestor.span_id:
                return True
            parent = self.by_id.get(span.parent_id)
            if parent is None:
                return False
            span = parent
        return False

    def show(self) -> str:
        return "\n".join(
            f"{s.service:10} {s.name} ({s.span_id} <- {s.parent_id})" for s in self.spans
        )


def wait_for(receiver: Receiver, trace_id: str, wanted: list[tuple[str, str]]) -> Tree:
    """The trace once it holds the spans in `wanted` ((service, name), as many times as
    listed)."""
    deadline = time.monotonic() + 30
    while True:
        spans = receiver.trace(trace_id)
        missing = Counter(wanted) - Counter((s.service, s.name) for s in spans)
        if not missing:
            time.sleep(0.5)  # let the last batch (the parents of what arrived) come in
            return Tree(receiver.trace(trace_id))
        if time.monotonic() > deadline:
            raise AssertionError(f"missing {dict(missing)}:\n{Tree(spans).show()}")
        time.sleep(0.2)


def traceparent() -> tuple[str, str]:
    trace_id = os.urandom(16).hex()
    return trace_id, f"00-{trace_id}-{os.urandom(8).hex()}-01"


CREATE_ORDERS = "/chainstore.orders.v1.OrdersService/CreateOrders"
RESERVE_MANY = "/chainstore.inventory.v1.InventoryService/ReserveMany"
CLIENT, SERVER, PRODUCER, CONSUMER = (
    SpanPb.SPAN_KIND_CLIENT,
    SpanPb.SPAN_KIND_SERVER,
    SpanPb.SPAN_KIND_PRODUCER,
    SpanPb.SPAN_KIND_CONSUMER,
)


def test_one_order_is_one_trace_from_the_request_to_its_consumers(
    alice: httpx.Client, receiver: Receiver
) -> None:
    trace_id, parent = traceparent()
    placed = alice.post(
        "/v1/orders",
        headers={"traceparent": parent},
        json={
            "store_id": "S001",
            "customer_id": "C-ALICE",
            "channel": "online",
            "lines": [{"sku": "TEA-001", "qty": 1}],
            "shipping_address": ADDRESS,
        },
    )
    assert placed.status_code == 201, placed.text

    tree = wait_for(
        receiver,
        trace_id,
        [
            ("gateway", "POST /v1/orders"),
            ("orders", CREATE_ORDERS),
            ("inventory", RESERVE_MANY),
            ("inventory", "publish chainstore.inventory.stock_reserved"),
            ("orders", "publish chainstore.orders.created"),
            ("gateway", "process chainstore.orders.created"),
        ],
    )
    request = tree.one("gateway", "POST /v1/orders")
    assert request.kind == SERVER
    batch = tree.one("gateway", "batch _create_orders", under=request)
    # The shared call links the span of each placement it served (here the endpoint's).
    [linked] = [tree.by_id[link] for link in batch.links]
    assert linked.trace_id == trace_id and tree.descends(linked, request)
    call = tree.one("gateway", CREATE_ORDERS, under=batch)
    assert call.kind == CLIENT
    served = tree.one("orders", CREATE_ORDERS, under=call)
    assert served.kind == SERVER
    reserve_batch = tree.one("orders", "batch _reserve_many", under=served)
    assert reserve_batch.links
    reserve = tree.one("inventory", RESERVE_MANY, under=reserve_batch)
    assert reserve.kind == SERVER
    reserving = tree.one("inventory", "batch reserve", under=reserve)
    assert tree.one("inventory", "db commit", under=reserving)
    commit = tree.one("orders", "db commit", under=served)
    published = tree.one("orders", "publish chainstore.orders.created", under=served)
    assert published.kind == PRODUCER
    # The relay publishes only once the outbox row is committed (both spans are the orders
    # process's, so on one clock).
    assert published.start_ns >= commit.end_ns, tree.show()
    live_feed = tree.one("gateway", "process chainstore.orders.created", under=published)
    assert live_feed.kind == CONSUMER
    # What inventory emitted in the same trace went out through its own outbox too.
    assert tree.one("inventory", "publish chainstore.inventory.stock_reserved", under=reserve)

    order_id = placed.json()["order_id"]
    trace_id, parent = traceparent()
    paid = alice.post(
        f"/v1/orders/{order_id}/pay",
        headers={"traceparent": parent},
        json={"method": "alipay", "amount": placed.json()["total"], "reference": "T-TRACE-1"},
    )
    assert paid.status_code == 200, paid.text
    tree = wait_for(
        receiver,
        trace_id,
        [
            ("orders", "publish chainstore.orders.paid"),
            ("orders", "process chainstore.orders.paid"),  # the analytics consumer
            ("gateway", "process chainstore.orders.paid"),  # live feed
            ("gateway", "process chainstore.orders.paid"),  # and notifications
        ],
    )
    published = tree.one("orders", "publish chainstore.orders.paid")
    analytics = tree.one("orders", "process chainstore.orders.paid", under=published)
    assert tree.one("orders", "db commit", under=analytics)  # its handler's transaction
    consumers = [s for s in tree.spans if s.service == "gateway" and s.name.startswith("process ")]
    assert len(consumers) == 2  # live feed and notifications, each continuing the trace
    assert all(tree.descends(s, published) for s in consumers)


def test_the_access_log_names_route_status_and_trace(stack: Stack) -> None:
    trace_id, parent = traceparent()
    r = httpx.get(f"{stack.gateway_url}/v1/tracking/NO-SUCH", headers={"traceparent": parent})
    assert r.status_code == 404
    deadline = time.monotonic() + 10
    while trace_id not in (log := stack.tail("gateway", 400)):
        assert time.monotonic() < deadline, log
        time.sleep(0.2)
    line = next(x for x in log.splitlines() if trace_id in x and "gateway.access" in x)
    assert '"route": "/v1/tracking/{waybill_no}"' in line
    assert '"status": 404' in line
    assert '"duration_ms"' in line and '"correlation_id"' in line
