"""Tracing: off by default with nothing installed; on, batches link their callers, SQL is
seen, and an event's trace goes through the outbox row and NATS headers to its consumer."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from nats.aio.client import Client
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from chainkit import events, tracing
from chainkit.batching import Batcher
from chainkit.db import create_engine
from chainkit.logging import JsonFormatter
from chainkit.outbox import OutboxRelay
from chainkit.uow import SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def test_off_unless_the_environment_names_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    assert not tracing.wanted()
    assert tracing.configure("orders") is False
    assert not tracing.ENABLED
    assert tracing.grpc_server_interceptors() == []
    assert tracing.grpc_client_interceptors() == []
    assert tracing.captured() is None
    event = events.envelope("orders.created", SkuQty(sku="A", qty=1), source="orders")
    assert event.trace_context is None

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")
    assert tracing.wanted()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not tracing.wanted()
    monkeypatch.delenv("OTEL_TRACES_EXPORTER")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.wanted()


_SHOW_RESOURCE = """
from opentelemetry import trace
from chainkit import tracing
print(tracing.configure("orders"), tracing.ENABLED, len(tracing.grpc_server_interceptors()))
attributes = trace.get_tracer_provider().resource.attributes
print(attributes["service.name"], attributes.get("deployment.environment"))
"""


@pytest.mark.parametrize(
    ("extra", "name", "environment"),
    [
        ({}, "orders", "None"),
        ({"OTEL_SERVICE_NAME": "orders-eu"}, "orders-eu", "None"),
        ({"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod"}, "orders", "prod"),
    ],
)
def test_configured_by_the_standard_environment(
    extra: dict[str, str], name: str, environment: str
) -> None:
    # A process of its own: the global tracer provider can be set once per process.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", **extra}
    out = subprocess.run(
        [sys.executable, "-c", _SHOW_RESOURCE], env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "True True 1"
    assert out[1] == f"{name} {environment}"


async def test_a_batch_links_every_call_it_served_in_the_first_ones_trace(
    spans: InMemorySpanExporter,
) -> None:
    async def double(items: Sequence[int]) -> list[int | BaseException]:
        await asyncio.sleep(0.01)
        return [i * 2 for i in items]

    batcher: Batcher[int, int] = Batcher(double, name="double")
    tracer = tracing.tracer()

    async def call(n: int) -> int:
        with tracer.start_as_current_span(f"caller {n}"):
            return await batcher.submit(n)

    assert await asyncio.gather(call(1), call(2), call(3)) == [2, 4, 6]
    callers = {s.name: s for s in spans.get_finished_spans() if s.name.startswith("caller")}
    batches = named(spans, "batch double")
    served = {link.context.span_id for b in batches for link in b.links}
    assert served == {s.context.span_id for s in callers.values()}
    first = batches[0]
    assert first.parent is not None
    assert first.parent.span_id == callers["caller 1"].context.span_id


async def test_sql_statements_are_spans(spans: InMemorySpanExporter, tmp_path: Any) -> None:
    # OpenTelemetry's instrumentation declares SQLAlchemy < 2.1; chainkit skips that check.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    await engine.dispose()
    names = [s.name for s in spans.get_finished_spans()]
    assert [name for name in names if name.startswith("SELECT")]
    assert "connect" not in names  # a pool checkout is no span


async def test_an_events_trace_goes_through_the_outbox_and_nats_to_its_consumer(
    spans: InMemorySpanExporter, sessions: Any, nc: Client, orders_consumer: Any
) -> None:
    js = nc.jetstream()
    tracer = tracing.tracer()
    with tracer.start_as_current_span("place") as place:
        event = events.envelope("orders.created", SkuQty(sku="A", qty=1), source="orders")
        async with SqlUnitOfWork(sessions) as uow:
            uow.emit(event)
            await uow.commit()
    assert event.trace_context is not None
    # From the table, as after a restart: the row kept the context.
    relay = OutboxRelay(sessions.kw["bind"], nc)
    assert await relay.publish_pending() == 1
    msg = await js.get_last_msg("ORDERS", "chainstore.orders.created")
    [publish] = named(spans, "publish chainstore.orders.created")
    assert msg.headers is not None
    assert msg.headers["traceparent"].split("-")[1:3] == [
        f"{place.get_span_context().trace_id:032x}",
        f"{publish.context.span_id:016x}",
    ]
    assert publish.parent is not None
    assert publish.parent.span_id == place.get_span_context().span_id

    handled = asyncio.Event()

    async def on_created(_uow: SqlUnitOfWork, _env: Any) -> None:
        handled.set()

    consumer = orders_consumer(js, "traced", on_created)
    task = asyncio.create_task(consumer.run())
    await asyncio.wait_for(handled.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    [process] = named(spans, "process chainstore.orders.created")
    assert process.kind == trace.SpanKind.CONSUMER
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id
    assert process.context.trace_id == place.get_span_context().trace_id


def _formatted(message: str) -> dict[str, Any]:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, None, None)
    line = JsonFormatter("orders").format(record)
    assert "\\u" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def test_log_lines_keep_chinese_readable_and_carry_the_active_span(
    spans: InMemorySpanExporter,
) -> None:
    assert "trace_id" not in _formatted("无 span")
    with tracing.tracer().start_as_current_span("work") as work:
        entry = _formatted("上海市浦东新区 世纪大道 1 号")
    assert entry["msg"] == "上海市浦东新区 世纪大道 1 号"
    assert entry["trace_id"] == f"{work.get_span_context().trace_id:032x}"
    assert entry["span_id"] == f"{work.get_span_context().span_id:016x}"


def test_log_lines_without_tracing_have_no_trace_fields() -> None:
    assert not tracing.ENABLED
    with tracing.span("ignored") as nothing:
        assert nothing is None
        assert set(_formatted("x")) >= {"ts", "level", "msg"}
        assert "trace_id" not in _formatted("x")
