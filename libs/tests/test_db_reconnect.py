"""A pooled PostgreSQL connection whose server side went away is replaced, not reused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit import db
from chainkit.db import create_engine


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()


async def _backend_of_pooled_connection(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    """End a backend from another connection, as a server restart or idle timeout would."""
    killer = create_engine(engine.url.render_as_string(hide_password=False))
    async with killer.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await killer.dispose()


async def test_an_idle_connection_is_checked_and_replaced_at_checkout(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "FRESH_S", 0.0)  # every pooled connection counts as idle
    victim = await _backend_of_pooled_connection(engine)
    await _terminate(engine, victim)

    assert await _backend_of_pooled_connection(engine) != victim


async def test_a_recently_used_connection_fails_once_then_the_pool_reconnects(
    engine: AsyncEngine,
) -> None:
    victim = await _backend_of_pooled_connection(engine)
    await _terminate(engine, victim)

    with pytest.raises(DBAPIError) as failed:  # handed out unchecked: its statement fails
        await _backend_of_pooled_connection(engine)
    assert failed.value.connection_invalidated
    assert await _backend_of_pooled_connection(engine) != victim
