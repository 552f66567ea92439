"""The gateway's one table: user accounts (`gw_user`), and the repository over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from chainkit.errors import AlreadyExists
from gateway.core.security import ROLES, Role


def utcnow() -> datetime:
    return datetime.now(UTC)


class GwUser(SQLModel, table=True):
    __tablename__ = "gw_user"

    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


@dataclass(frozen=True)
class UserRecord:
    username: str
    password_hash: str
    role: Role
    store_id: str | None
    customer_id: str | None
    created_at: datetime


def _record(row: GwUser) -> UserRecord:
    role = next(r for r in ROLES if r == row.role)
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes: they are UTC
        created = created.replace(tzinfo=UTC)
    return UserRecord(
        username=row.username,
        password_hash=row.password_hash,
        role=role,
        store_id=row.store_id,
        customer_id=row.customer_id,
        created_at=created,
    )


class UserRepository:
    """One short transaction per call: the gateway's user writes are rare and independent."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, username: str) -> UserRecord | None:
        async with self._sessions() as session:
            row = await session.get(GwUser, username)
            return _record(row) if row is not None else None

    async def add(self, user: UserRecord) -> UserRecord:
        row = GwUser(
            username=user.username,
            password_hash=user.password_hash,
            role=user.role,
            store_id=user.store_id,
            customer_id=user.customer_id,
            created_at=user.created_at,
        )
        async with self._sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                raise AlreadyExists(f"user {user.username!r} already exists") from None
        return user

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(GwUser)
                .where(col(GwUser.username) == username)
                .values(password_hash=password_hash)
            )
            await session.commit()
