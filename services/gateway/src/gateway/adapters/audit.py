"""The audit trail (`gw_audit`): one row per change made by store staff or head office.

Who (username, role, store), when, what (method and route, the concrete path of ids, the
answer's status), from which address, with which Idempotency-Key and correlation id. Never
a request body: customers' names, phones and addresses are not copied into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col


class GwAudit(SQLModel, table=True):
    __tablename__ = "gw_audit"
    __table_args__ = (Index("ix_gw_audit_at", "at"), Index("ix_gw_audit_username", "username"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    username: str = Field(max_length=64)
    role: str = Field(max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=200)
    path: str = Field(max_length=500)
    status: int
    address: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=200)
    correlation_id: str | None = Field(default=None, max_length=128)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str
    role: str
    store_id: str | None
    action: str
    path: str
    status: int
    address: str
    idempotency_key: str | None
    correlation_id: str | None
    id: int | None = None


@dataclass(frozen=True)
class AuditQuery:
    username: str | None = None
    role: str | None = None
    store_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 20


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class AuditRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, entry: AuditEntry) -> None:
        async with self._sessions() as db:
            db.add(
                GwAudit(
                    at=entry.at,
                    username=entry.username,
                    role=entry.role,
                    store_id=entry.store_id,
                    action=entry.action[:200],
                    path=entry.path[:500],
                    status=entry.status,
                    address=entry.address[:64],
                    idempotency_key=entry.idempotency_key,
                    correlation_id=entry.correlation_id,
                )
            )
            await db.commit()

    async def find(self, query: AuditQuery) -> list[AuditEntry]:
        """Newest first, keyset-paged by id."""
        statement = select(GwAudit).order_by(col(GwAudit.id).desc()).limit(query.limit)
        if query.username:
            statement = statement.where(col(GwAudit.username) == query.username)
        if query.role:
            statement = statement.where(col(GwAudit.role) == query.role)
        if query.store_id:
            statement = statement.where(col(GwAudit.store_id) == query.store_id)
        if query.action:
            statement = statement.where(col(GwAudit.action) == query.action)
        if query.since:
            statement = statement.where(col(GwAudit.at) >= query.since)
        if query.until:
            statement = statement.where(col(GwAudit.at) < query.until)
        if query.before_id is not None:
            statement = statement.where(col(GwAudit.id) < query.before_id)
        async with self._sessions() as db:
            rows = (await db.execute(statement)).scalars().all()
        return [
            AuditEntry(
                id=row.id,
                at=_utc(row.at),
                username=row.username,
                role=row.role,
                store_id=row.store_id,
                action=row.action,
                path=row.path,
                status=row.status,
                address=row.address,
                idempotency_key=row.idempotency_key,
                correlation_id=row.correlation_id,
            )
            for row in rows
        ]
