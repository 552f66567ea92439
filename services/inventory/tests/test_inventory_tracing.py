"""A reservation's trace on PostgreSQL shows the SQL its hot path sends to asyncpg itself
(availability, taking the units with the ledger and reservation rows, COMMIT) under the
Reserve call's server span."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

ASYNCPG = "opentelemetry.instrumentation.asyncpg"
RESERVE = "/chainstore.inventory.v1.InventoryService/Reserve"


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    """The names of the span's parents, nearest first."""
    by_id = {s.context.span_id: s for s in spans}
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def statement(span: ReadableSpan) -> str:
    return str((span.attributes or {}).get("db.statement", ""))


# `spans` first: the server and its engine are built traced.
async def test_a_reservations_sql_is_in_its_trace(
    spans: InMemorySpanExporter, inventory: Any
) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=5)
    spans.clear()

    await inventory.reserve("R-1", TEA_1=2)

    finished = list(spans.get_finished_spans())
    [server] = [s for s in finished if s.name == RESERVE and s.kind == SpanKind.SERVER]
    # The relay's marks of events (this call's, an earlier one's) may be here too: not ours.
    sent = [
        s
        for s in finished
        if s.instrumentation_scope
        and s.instrumentation_scope.name == ASYNCPG
        and s.context.trace_id == server.context.trace_id
        and "outbox mark sent" not in ancestors(s, finished)
    ]
    assert [s.name for s in sent] == ["SELECT", "BEGIN;", "WITH", "COMMIT;"]
    assert all(RESERVE in ancestors(s, finished) for s in sent)
    [take] = [s for s in sent if "UPDATE inv_stock_level AS s SET reserved" in statement(s)]
    assert "batch reserve" in ancestors(take, finished)
    [commit] = [s for s in sent if s.name == "COMMIT;"]
    assert ancestors(commit, finished)[0] == "db commit"
