"""Async engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util.concurrency import await_

from chainkit import sqlite_driver

# Connection execution option (opt-in, SQLite only): do not issue BEGIN IMMEDIATE when the
# transaction begins, so the statements that follow are autocommit reads that take no write
# lock; the caller issues `BEGIN IMMEDIATE` itself before its first write (see
# services/inventory/src/inventory/adapters/uow.py, `read_for_reserve`).
SQLITE_DEFER_BEGIN = "chainkit_sqlite_defer_begin"

# Engine/connection execution option set by `session_factory(engine, read_only=True)`: the
# transaction only reads. SQLite starts it with a plain (deferred) BEGIN: a WAL snapshot that
# takes no write lock, so readers neither queue behind writers nor behind each other.
# PostgreSQL starts it READ ONLY. Writing in such a session is a bug (SQLite would have to
# upgrade the lock mid-transaction, which can fail with SQLITE_BUSY at once).
READ_ONLY = "chainkit_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine tuned for short write transactions on either database.

    SQLite: WAL so readers never block the writer, a busy timeout so writers queue instead
    of failing, and BEGIN IMMEDIATE so a transaction takes the write lock up front (a
    deferred one that upgrades later can fail with SQLITE_BUSY no timeout can cure).
    """
    # Looked up on its module at each call: when tracing, OpenTelemetry's SQLAlchemy
    # instrumentation wraps it there (chainkit.tracing.install).
    create_async_engine = sa_asyncio.create_async_engine
    if not is_sqlite(url):
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
        event.listen(engine.sync_engine, "checkout", _ping_postgresql)
        event.listen(engine.sync_engine, "checkin", _note_checkin)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Reset on return only when a transaction is open (sqlite_driver.rollback_if_open):
    # SQLAlchemy's own reset rolls back every time, a thread hand-off for nothing after a
    # commit or autocommit statements.
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)
    event.listen(engine.sync_engine, "reset", sqlite_driver.rollback_if_open)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        sqlite_driver.install(dbapi_conn)  # one thread hand-off per statement
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        elif not options.get(SQLITE_DEFER_BEGIN):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# A pooled connection back from use this recently is handed out unchecked: under load every
# Reserve batch and relay cycle checks one out, and the check is a round trip. If the server
# did go away within that second, the statement fails as a disconnect, SQLAlchemy discards
# the whole pool, and the command fails cleanly (nothing half-written) for its caller to retry.
FRESH_S = 1.0
_CHECKED_IN = "chainkit_checked_in"


def _note_checkin(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info[_CHECKED_IN] = time.monotonic()


def _ping_postgresql(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Check a pooled connection that sat idle is alive before handing it out (after a
    server restart or a dropped socket), in one round trip: `pool_pre_ping` costs three on
    asyncpg (BEGIN, an empty query, ROLLBACK, for pgbouncer's transaction mode, which we do
    not use)."""
    if time.monotonic() - record.info.get(_CHECKED_IN, float("-inf")) < FRESH_S:
        return
    try:
        await_(record.driver_connection.execute("SELECT 1"))
    except Exception as e:  # any failure: the pool drops it and connects afresh
        raise DisconnectionError(f"pooled PostgreSQL connection is unusable: {e}") from e


def _read_only(dialect: str) -> dict[str, bool]:
    return {READ_ONLY if dialect == "sqlite" else "postgresql_readonly": True}


def session_factory(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions for the unit of work; `read_only=True` for look-ups (see READ_ONLY)."""
    if read_only:
        # The same pool; only how each transaction begins differs.
        engine = engine.execution_options(**_read_only(engine.dialect.name))
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
