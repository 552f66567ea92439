"""The outbox table, the rows a unit of work writes to it, and the relay's two statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, Text
from sqlmodel import Field, SQLModel

from chainkit.clock import utcnow
from chainkit.events import OutgoingEvent
from chainkit.raw_sql import RawQuery


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    subject: str = Field(max_length=200)
    data: bytes
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)
    # W3C trace context of the emitting span (chainkit.tracing), NULL when tracing is off.
    trace_context: str | None = Field(default=None, sa_type=Text)


OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


def outbox_rows(events: Sequence[OutgoingEvent], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.event_id,
            "subject": e.subject,
            "data": e.data,
            "created_at": now,
            "trace_context": e.trace_context,
        }
        for e in events
    ]


# Straight to the driver (see raw_sql). Unsent rows created before a cutoff, oldest first.
UNSENT = RawQuery(
    sqlite="SELECT event_id, subject, data, trace_context FROM outbox "
    "WHERE sent_at IS NULL AND created_at < ? ORDER BY id LIMIT ?",
    postgresql="SELECT event_id, subject, data, trace_context FROM outbox "
    "WHERE sent_at IS NULL AND created_at < $1 ORDER BY id LIMIT $2",
    types=[OUTBOX.c.created_at.type],
    standalone_read=True,
)
MARK_SENT = RawQuery(
    sqlite="UPDATE outbox SET sent_at = ? WHERE event_id IN (SELECT value FROM json_each(?))",
    postgresql="UPDATE outbox SET sent_at = $1 FROM unnest($2::text[]) AS q(event_id) "
    "WHERE outbox.event_id = q.event_id",  # unnest: key probes, never a scan (see raw_sql)
    types=[OUTBOX.c.sent_at.type],
)
# The cutoff that takes every unsent row.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
