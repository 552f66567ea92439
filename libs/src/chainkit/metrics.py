"""The Prometheus metrics every chainstore process shares (the list: docs/metrics.md).

Defined once here, at import, in prometheus_client's default registry: the services' metrics
port and the gateway's /metrics serve that registry. Label values known in advance are
initialised (`RpcMetrics.expect`, `ConsumerMetrics`), so each series exists with a zero from
start-up rather than from its first event. On hot paths callers keep the `.labels(...)`
children (one dict look-up per call), never a `.labels` call each time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

import grpc
import prometheus_client as prom
from google.protobuf import descriptor_pool
from nats.aio.msg import Msg
from prometheus_client.metrics import Counter as CounterChild
from prometheus_client.metrics import Histogram as HistogramChild

# gRPC, server and client side (the names go-grpc-prometheus and its heirs use).
_RPC_LABELS = ["grpc_service", "grpc_method"]
GRPC_SERVER_HANDLED = prom.Counter(
    "grpc_server_handled_total",
    "RPCs this server completed, by method and status code",
    [*_RPC_LABELS, "grpc_code"],
)
GRPC_SERVER_SECONDS = prom.Histogram(
    "grpc_server_handling_seconds", "Time this server took to answer an RPC", _RPC_LABELS
)
GRPC_CLIENT_HANDLED = prom.Counter(
    "grpc_client_handled_total",
    "RPCs this process made that completed, by method and status code",
    [*_RPC_LABELS, "grpc_code"],
)
GRPC_CLIENT_SECONDS = prom.Histogram(
    "grpc_client_handling_seconds",
    "Time from starting an outgoing RPC to its answer (or failure)",
    _RPC_LABELS,
)

# The transactional outbox (chainkit.outbox) and its relay.
OUTBOX_PUBLISHED = prom.Counter(
    "outbox_events_published_total",
    "Events the outbox relay published, by where it took them from",
    ["source"],  # memory: handed over at commit; table: read from the outbox
)
OUTBOX_DUPLICATES = prom.Counter(
    "outbox_events_duplicate_total",
    "Published events the stream already had (dropped by their Nats-Msg-Id): sent before a "
    "crash or a lost connection and not marked, or by two relays at once",
    ["source"],
)
for _source in ("memory", "table"):
    OUTBOX_PUBLISHED.labels(_source)
    OUTBOX_DUPLICATES.labels(_source)
OUTBOX_FROM_MEMORY = prom.Gauge(
    "outbox_relay_from_memory",
    "1 while the relay publishes committed events from memory; 0 while it catches up from "
    "the outbox table (at start, after a failed publish)",
)
OUTBOX_BACKLOG = prom.Gauge(
    "outbox_backlog_events", "Outbox rows not yet published (refreshed every few seconds)"
)
OUTBOX_OLDEST_AGE = prom.Gauge(
    "outbox_oldest_unsent_age_seconds",
    "Age of the oldest outbox row not yet published; 0 when there is none",
)

# NATS and JetStream consumers (chainkit.consumer).
NATS_CONNECTED = prom.Gauge("nats_connected", "1 while connected to NATS, 0 while not")
_CONSUMER_LABELS = ["stream", "durable"]
CONSUMER_PENDING = prom.Gauge(
    "nats_consumer_pending_messages",
    "Messages in the stream the durable consumer has not been given yet (its lag)",
    _CONSUMER_LABELS,
)
CONSUMER_ACK_PENDING = prom.Gauge(
    "nats_consumer_ack_pending_messages",
    "Messages given to the durable consumer and not acknowledged yet",
    _CONSUMER_LABELS,
)
CONSUMER_REDELIVERED = prom.Counter(
    "nats_consumer_redelivered_total",
    "Messages this process received again (delivered more than once)",
    _CONSUMER_LABELS,
)
EVENTS_HANDLED = prom.Counter(
    "events_handled_total",
    "Events a durable consumer of this process finished with, by outcome",
    ["durable", "outcome"],
)
EVENT_OUTCOMES = ("handled", "duplicate", "retried", "dead_lettered")
EVENT_SECONDS = prom.Histogram(
    "event_handling_seconds", "Time to handle one event, acknowledgement included", ["durable"]
)


def split_method(full_method: str) -> tuple[str, str]:
    """`/chainstore.orders.v1.OrdersService/CreateOrder` → (service, method)."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


class MethodMetrics:
    """One method's children: its latency histogram, its counter per status code."""

    __slots__ = ("_by_code", "_handled", "_labels", "_seconds")

    def __init__(self, handled: prom.Counter, seconds: HistogramChild, labels: tuple[str, str]):
        self._handled = handled
        self._seconds = seconds
        self._labels = labels
        self._by_code: dict[grpc.StatusCode, CounterChild] = {}

    def counter(self, code: grpc.StatusCode) -> CounterChild:
        child = self._by_code.get(code)
        if child is None:
            child = self._by_code[code] = self._handled.labels(*self._labels, code.name)
        return child

    def record(self, code: grpc.StatusCode, seconds: float) -> None:
        self.counter(code).inc()
        self._seconds.observe(seconds)


class RpcMetrics:
    """The handled counter and latency histogram of one side (server or client), with each
    method's children kept."""

    def __init__(self, handled: prom.Counter, seconds: prom.Histogram) -> None:
        self._handled = handled
        self._seconds = seconds
        self._methods: dict[str, MethodMetrics] = {}

    def method(self, full_method: str) -> MethodMetrics:
        found = self._methods.get(full_method)
        if found is None:
            labels = split_method(full_method)
            found = MethodMetrics(self._handled, self._seconds.labels(*labels), labels)
            self._methods[full_method] = found
        return found

    def expect(self, service_names: list[str]) -> None:
        """Create every method's series of these services (by full name, from the
        generated code's descriptors), with status OK, so they exist before any call."""
        pool = descriptor_pool.Default()
        for name in service_names:
            try:
                service = pool.FindServiceByName(name)
            except KeyError:
                continue  # health, reflection: not ours to count up front
            for m in service.methods:
                self.method(f"/{service.full_name}/{m.name}").counter(grpc.StatusCode.OK)


SERVER_RPCS = RpcMetrics(GRPC_SERVER_HANDLED, GRPC_SERVER_SECONDS)
CLIENT_RPCS = RpcMetrics(GRPC_CLIENT_HANDLED, GRPC_CLIENT_SECONDS)

# Durable consumers of this process, for the background refresh of their JetStream figures.
WATCHED_CONSUMERS: set[tuple[str, str]] = set()


class ConsumerMetrics:
    """One durable consumer's children, created when it is built."""

    def __init__(self, stream: str, durable: str) -> None:
        self.seconds = EVENT_SECONDS.labels(durable)
        self.redelivered = CONSUMER_REDELIVERED.labels(stream, durable)
        self.outcomes = {o: EVENTS_HANDLED.labels(durable, o) for o in EVENT_OUTCOMES}
        CONSUMER_PENDING.labels(stream, durable)
        CONSUMER_ACK_PENDING.labels(stream, durable)
        WATCHED_CONSUMERS.add((stream, durable))

    async def count(self, msg: Msg, handling: Awaitable[str]) -> None:
        """Count and time one message's handling: a redelivery, and the outcome `handling`
        answers (EVENT_OUTCOMES)."""
        started = time.perf_counter()
        if msg.metadata.num_delivered > 1:
            self.redelivered.inc()
        outcome = await handling
        self.outcomes[outcome].inc()
        self.seconds.observe(time.perf_counter() - started)
