"""Tracing on PostgreSQL: what chainkit sends to asyncpg past SQLAlchemy (raw statements,
staged inserts, the outbox relay's marks) shows as spans inside the trace that sent it, and
only there; SQLAlchemy's own statements are not counted twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.aio.client import Client
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from chainkit import events, tracing
from chainkit.outbox import OutboxRelay
from chainkit.raw_sql import RawQuery
from chainkit.uow import InboxMessage, SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

ASYNCPG = "opentelemetry.instrumentation.asyncpg"
INBOX = InboxMessage.__table__  # type: ignore[attr-defined]

_HANDLED = RawQuery(
    sqlite="SELECT count(*) FROM inbox WHERE consumer = ?",
    postgresql="SELECT count(*) FROM inbox WHERE consumer = $1",
)


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def driver_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [
        s
        for s in exporter.get_finished_spans()
        if s.instrumentation_scope is not None and s.instrumentation_scope.name == ASYNCPG
    ]


def statement(span: ReadableSpan) -> str:
    return str((span.attributes or {}).get("db.statement", ""))


def child_of(span: ReadableSpan, parent: ReadableSpan) -> bool:
    return span.parent is not None and span.parent.span_id == parent.context.span_id


def one(found: list[ReadableSpan]) -> ReadableSpan:
    assert len(found) == 1, [s.name for s in found]
    return found[0]


async def until(condition: Callable[[], bool]) -> None:
    """Wait for what a background task does (polling: it signals nothing)."""
    async with asyncio.timeout(10):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def created() -> events.OutgoingEvent:
    return events.envelope("orders.created", SkuQty(sku="A", qty=1), source="orders")


async def test_a_commands_raw_statements_and_staged_rows_are_spans_under_it(
    spans: InMemorySpanExporter, sessions: Any
) -> None:
    with tracing.tracer().start_as_current_span("command"):
        async with SqlUnitOfWork(sessions) as uow:
            [[handled]] = await _HANDLED.fetch(uow.session, "c")
            await uow.session.execute(text("SELECT 42"))
            uow.stage(INBOX, [{"consumer": "c", "event_id": "e1", "handled_at": datetime.now(UTC)}])
            uow.emit(created())
            await uow.commit()
    assert handled == 0
    command = one(named(spans, "command"))
    commit = one(named(spans, "db commit"))
    sent = driver_spans(spans)
    assert all(s.kind == SpanKind.CLIENT for s in sent)
    assert all(s.attributes and s.attributes["db.system"] == "postgresql" for s in sent)

    # The raw read, after the BEGIN it makes SQLAlchemy's transaction start with.
    begin = one([s for s in sent if s.name == "BEGIN;"])  # named as sent
    read = one([s for s in sent if "FROM inbox WHERE consumer = $1" in statement(s)])
    assert child_of(begin, command)
    assert child_of(read, command)
    # The staged rows and the outbox row: one statement, and COMMIT, under the commit.
    insert = one([s for s in sent if "INSERT INTO inbox" in statement(s)])
    assert "INSERT INTO outbox" in statement(insert)
    assert child_of(insert, commit)
    assert child_of(one([s for s in sent if s.name == "COMMIT;"]), commit)
    # SQLAlchemy's own statement is its instrumentation's span, not asyncpg's as well.
    assert not [s for s in sent if "SELECT 42" in statement(s)]
    assert len([s for s in spans.get_finished_spans() if "SELECT 42" in statement(s)]) == 1


async def test_the_relays_marks_are_spans_in_the_trace_of_the_events_they_mark(
    spans: InMemorySpanExporter, sessions: Any, nc: Client
) -> None:
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=0.05, mark_interval=0.01)
    tracer = tracing.tracer()

    # From the table, as after a restart: marked right after publishing.
    with tracer.start_as_current_span("earlier") as earlier:
        async with SqlUnitOfWork(sessions) as uow:
            uow.emit(created())
            await uow.commit()
    assert await relay.publish_pending() == 1

    # From memory, as a running relay publishes what was just committed, and marks later.
    running = asyncio.create_task(relay.run())
    try:
        await until(lambda: relay.from_memory)
        with tracer.start_as_current_span("now") as now:
            async with SqlUnitOfWork(sessions, relay.committed) as uow:
                uow.emit(created())
                await uow.commit()
        await until(lambda: len(named(spans, "outbox mark sent")) == 2)
        await asyncio.sleep(0.2)  # a few more polls of the table, outside any trace
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    marks = named(spans, "outbox mark sent")
    assert [m.parent.span_id if m.parent else None for m in marks] == [
        earlier.get_span_context().span_id,
        now.get_span_context().span_id,
    ]
    sent = driver_spans(spans)
    for mark in marks:
        assert [s.name for s in sent if child_of(s, mark)] == ["UPDATE"]
    # The relay's reads of its table (every poll) are outside any trace: no span.
    assert all(s.parent is not None for s in sent)
    assert not [s for s in sent if "SELECT event_id, subject" in statement(s)]
