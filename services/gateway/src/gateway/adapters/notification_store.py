"""Customers' inboxes (`gw_notification`): one row per notice, keyed by the event id that
raised it, read newest first with keyset paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Column, Field, SQLModel, col

from chainkit import cursors
from chainkit.clock import utcnow
from chainkit.errors import FieldError, InvalidArgument, NotFound
from gateway.feed.notices import Notice


class GwNotification(SQLModel, table=True):
    __tablename__ = "gw_notification"
    __table_args__ = (Index("ix_gw_notification_inbox", "customer_id", "at", "notice_id"),)

    notice_id: str = Field(primary_key=True, max_length=36)
    customer_id: str = Field(max_length=64)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    kind: str = Field(max_length=32)
    type: str = Field(max_length=32)
    order_id: str = Field(max_length=64)
    order_no: str = Field(max_length=64)
    params: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    read_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class StoredNotice:
    notice: Notice
    read: bool


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite returns naive UTC


# An inbox page continues after (at, notice_id) of its last notice.
CURSOR_TAG = "notifications"


def _cursor(row: GwNotification) -> str:
    return cursors.encode(CURSOR_TAG, [_aware(row.at).isoformat(), row.notice_id])


def _after(cursor: str) -> tuple[datetime, str]:
    """The key a cursor continues after; a bad one is refused on the API's `cursor`."""
    try:
        key = cursors.decode(cursor, CURSOR_TAG, 2, legacy="")  # or a bare [at, id] from before
        if key is not None:
            return datetime.fromisoformat(key[0]), key[1]
    except (InvalidArgument, ValueError):
        pass
    error = FieldError("cursor", cursors.NOT_OURS)
    raise InvalidArgument(f"cursor: {cursors.NOT_OURS}", [error])


class NotificationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, notice: Notice) -> bool:
        """False when the notice is there already (a redelivered event)."""
        row = GwNotification(
            notice_id=notice.notice_id,
            customer_id=notice.customer_id,
            at=notice.at,
            kind=notice.kind,
            type=notice.type,
            order_id=notice.order_id,
            order_no=notice.order_no,
            params=notice.params,
        )
        async with self._sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                return False
        return True

    async def page(
        self, customer_id: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[StoredNotice], str | None]:
        query = select(GwNotification).where(col(GwNotification.customer_id) == customer_id)
        if unread_only:
            query = query.where(col(GwNotification.read_at).is_(None))
        if cursor:
            at, notice_id = _after(cursor)
            query = query.where(
                or_(
                    col(GwNotification.at) < at,
                    and_(col(GwNotification.at) == at, col(GwNotification.notice_id) < notice_id),
                )
            )
        query = query.order_by(
            col(GwNotification.at).desc(), col(GwNotification.notice_id).desc()
        ).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        items = [StoredNotice(_notice(r), r.read_at is not None) for r in rows]
        return items, _cursor(rows[-1]) if more and rows else None

    async def mark_read(self, customer_id: str, notice_id: str | None) -> int:
        """Mark one notice (or, with None, all) of this customer read; another customer's
        notice is not found, never revealed."""
        stmt = update(GwNotification).where(
            col(GwNotification.customer_id) == customer_id,
            col(GwNotification.read_at).is_(None),
        )
        if notice_id is not None:
            stmt = stmt.where(col(GwNotification.notice_id) == notice_id)
        async with self._sessions() as session:
            result = await session.execute(stmt.values(read_at=utcnow()))
            if notice_id is not None and result.rowcount == 0:  # type: ignore[attr-defined]
                exists = await session.execute(
                    select(col(GwNotification.notice_id)).where(
                        col(GwNotification.customer_id) == customer_id,
                        col(GwNotification.notice_id) == notice_id,
                    )
                )
                if exists.first() is None:
                    raise NotFound(f"notification {notice_id} not found")
            await session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]


def _notice(row: GwNotification) -> Notice:
    return Notice(
        notice_id=row.notice_id,
        customer_id=row.customer_id,
        at=_aware(row.at),
        kind=row.kind,
        type=row.type,
        order_id=row.order_id,
        order_no=row.order_no,
        params=dict(row.params),
    )
