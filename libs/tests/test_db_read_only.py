"""Read-only sessions: look-ups never queue behind a writer, and cannot write."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.db import create_engine, session_factory

# Far below SQLite's 30 s busy timeout: a reader that queued behind the writer fails here.
NOT_BLOCKED_S = 2.0


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE db_probe (id INTEGER PRIMARY KEY)"))
        await conn.execute(text("INSERT INTO db_probe (id) VALUES (1)"))
    yield engine
    await engine.dispose()


async def _count(engine: AsyncEngine, *, read_only: bool) -> int:
    async with session_factory(engine, read_only=read_only)() as session, session.begin():
        return int((await session.execute(text("SELECT count(*) FROM db_probe"))).scalar_one())


async def test_reader_is_not_blocked_by_a_writer_holding_the_lock(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as writer, writer.begin():
        # The default session took the write lock at BEGIN (BEGIN IMMEDIATE on SQLite).
        await writer.execute(text("INSERT INTO db_probe (id) VALUES (2)"))

        # A reader answers at once, from the last committed state.
        assert await asyncio.wait_for(_count(engine, read_only=True), NOT_BLOCKED_S) == 1

        if engine.dialect.name == "sqlite":
            # Unchanged default: a second default session queues for the lock.
            queued = asyncio.create_task(_count(engine, read_only=False))
            await asyncio.sleep(0.5)
            assert not queued.done()
    if engine.dialect.name == "sqlite":
        assert await asyncio.wait_for(queued, 10) == 2
    assert await _count(engine, read_only=True) == 2


async def test_read_only_session_is_read_only_on_postgresql(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no read-only transactions; see chainkit.db.READ_ONLY")
    async with session_factory(engine, read_only=True)() as session, session.begin():
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(text("INSERT INTO db_probe (id) VALUES (3)"))
    # The pool's connection went back read-write: the default is unchanged.
    async with session_factory(engine)() as session, session.begin():
        await session.execute(text("INSERT INTO db_probe (id) VALUES (3)"))
    assert await _count(engine, read_only=True) == 2
