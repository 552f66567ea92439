"""User accounts (`gw_user`) and their sign-in sessions (`gw_session`), and the repository
over both. A session is what a refresh token renews and what sign-out or a password change
revokes; every access token names its session, and a revoked one is refused everywhere
(at once on the replica that revoked it, within `live_sessions.RECHECK_S` on the others).
A session of a disabled account counts as ended, under the same bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from chainkit.clock import utcnow
from chainkit.errors import AlreadyExists
from gateway.adapters.live_sessions import RECHECK_S, LiveSessions, posix
from gateway.core.passwords import Passwords
from gateway.core.security import ROLES, Role


class GwUser(SQLModel, table=True):
    __tablename__ = "gw_user"

    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # Set while head office has the account disabled: no sign-in, no live session.
    disabled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class GwSession(SQLModel, table=True):
    __tablename__ = "gw_session"

    sid: str = Field(primary_key=True, max_length=36)
    username: str = Field(max_length=64, index=True)
    # SHA-256 of the refresh token's secret part; replaced at every refresh.
    refresh_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


@dataclass(frozen=True)
class SessionRecord:
    sid: str
    username: str
    refresh_hash: str
    expires_at: datetime
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


@dataclass(frozen=True)
class UserRecord:
    username: str
    password_hash: str
    role: Role
    store_id: str | None
    customer_id: str | None
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True)
class UserQuery:
    """Accounts by username (ascending), after `after` when paging; `limit` at most."""

    role: Role | None = None
    store_id: str | None = None
    after: str | None = None
    limit: int = 20


def _record(row: GwUser) -> UserRecord:
    role = next(r for r in ROLES if r == row.role)
    return UserRecord(
        username=row.username,
        password_hash=row.password_hash,
        role=role,
        store_id=row.store_id,
        customer_id=row.customer_id,
        # SQLite hands back naive datetimes: they are UTC
        created_at=_utc(row.created_at),
        disabled_at=_utc(row.disabled_at) if row.disabled_at else None,
    )


class UserRepository:
    """One short transaction per call: the gateway's user writes are rare and independent."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        passwords: Passwords | None = None,
        *,
        session_recheck_s: float = RECHECK_S,
    ) -> None:
        self._sessions = sessions
        # How passwords of these accounts are hashed (the cost is a setting).
        self.passwords = passwords or Passwords()
        self._live = LiveSessions(self._session_end, recheck_s=session_recheck_s)

    async def get(self, username: str) -> UserRecord | None:
        async with self._sessions() as session:
            row = await session.get(GwUser, username)
            return _record(row) if row is not None else None

    async def find(self, query: UserQuery) -> list[UserRecord]:
        statement = select(GwUser).order_by(col(GwUser.username)).limit(query.limit)
        if query.role:
            statement = statement.where(col(GwUser.role) == query.role)
        if query.store_id:
            statement = statement.where(col(GwUser.store_id) == query.store_id)
        if query.after is not None:
            statement = statement.where(col(GwUser.username) > query.after)
        async with self._sessions() as session:
            rows = (await session.execute(statement)).scalars().all()
        return [_record(row) for row in rows]

    async def change(
        self,
        username: str,
        *,
        password_hash: str | None = None,
        disabled: bool | None = None,
        end_sessions: bool = False,
    ) -> int:
        """A change to an account, in one transaction: a new password hash, disabled or
        enabled (a disabled account keeps the time it was first disabled, and its sessions
        are refused from the next check on), and its sessions ended for good when
        `end_sessions`; how many sessions that ended."""
        ended = 0
        async with self._sessions() as session:
            if password_hash is not None:
                await session.execute(
                    update(GwUser)
                    .where(col(GwUser.username) == username)
                    .values(password_hash=password_hash)
                )
            if disabled is not None:
                condition = col(GwUser.disabled_at).is_(None) if disabled else true()
                await session.execute(
                    update(GwUser)
                    .where(col(GwUser.username) == username, condition)
                    .values(disabled_at=utcnow() if disabled else None)
                )
            if end_sessions:
                result = await session.execute(
                    update(GwSession)
                    .where(col(GwSession.username) == username, col(GwSession.revoked_at).is_(None))
                    .values(revoked_at=utcnow())
                )
                ended = int(getattr(result, "rowcount", 0) or 0)
            await session.commit()
        if end_sessions or disabled:
            self._live.forget_all()  # after the commit: a read begun now sees the change
        return ended

    async def add(self, user: UserRecord) -> UserRecord:
        row = GwUser(
            username=user.username,
            password_hash=user.password_hash,
            role=user.role,
            store_id=user.store_id,
            customer_id=user.customer_id,
            created_at=user.created_at,
            disabled_at=user.disabled_at,
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

    async def open_session(self, session: SessionRecord) -> None:
        async with self._sessions() as db:
            db.add(
                GwSession(
                    sid=session.sid,
                    username=session.username,
                    refresh_hash=session.refresh_hash,
                    expires_at=session.expires_at,
                )
            )
            await db.commit()

    async def get_session(self, sid: str) -> SessionRecord | None:
        async with self._sessions() as db:
            row = await db.get(GwSession, sid)
            if row is None:
                return None
            return SessionRecord(
                sid=row.sid,
                username=row.username,
                refresh_hash=row.refresh_hash,
                expires_at=_utc(row.expires_at),
                revoked_at=_utc(row.revoked_at) if row.revoked_at else None,
            )

    async def session_active(self, sid: str) -> bool:
        """Asked on every authenticated request: answered from memory while fresh enough
        (gateway.adapters.live_sessions)."""
        return await self._live.active(sid)

    async def _session_end(self, sid: str) -> float | None:
        """The session's end if it is active and its account is not disabled."""
        async with self._sessions() as db:
            found = (
                await db.execute(
                    select(col(GwSession.expires_at))
                    .join(GwUser, col(GwUser.username) == col(GwSession.username))
                    .where(
                        col(GwSession.sid) == sid,
                        col(GwSession.revoked_at).is_(None),
                        col(GwUser.disabled_at).is_(None),
                    )
                )
            ).scalar_one_or_none()
        if found is None or _utc(found) <= utcnow():
            return None
        return posix(_utc(found))

    async def renew_session(self, sid: str, old_hash: str, new_hash: str) -> bool:
        """Swap the refresh hash if it is still `old_hash` (one refresh wins a race)."""
        async with self._sessions() as db:
            result = await db.execute(
                update(GwSession)
                .where(
                    col(GwSession.sid) == sid,
                    col(GwSession.refresh_hash) == old_hash,
                    col(GwSession.revoked_at).is_(None),
                )
                .values(refresh_hash=new_hash)
            )
            await db.commit()
            return bool(getattr(result, "rowcount", 0))

    async def revoke_session(self, sid: str) -> None:
        async with self._sessions() as db:
            await db.execute(
                update(GwSession)
                .where(col(GwSession.sid) == sid, col(GwSession.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )
            await db.commit()
        self._live.forget(sid)  # after the commit: a read begun now sees the revocation

    async def active_sessions_of(self, username: str) -> list[str]:
        async with self._sessions() as db:
            rows = await db.execute(
                select(col(GwSession.sid)).where(
                    col(GwSession.username) == username,
                    col(GwSession.revoked_at).is_(None),
                    col(GwSession.expires_at) > utcnow(),
                )
            )
            return [str(sid) for sid in rows.scalars()]
