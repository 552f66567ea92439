"""A pooled PostgreSQL connection whose server side went away is replaced at checkout."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chainkit.db import create_engine


async def test_checkout_replaces_a_connection_the_server_dropped(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            victim = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        # The pool keeps that one connection; a second one ends its backend, as a server
        # restart or an idle-session timeout would.
        killer = create_engine(database_url)
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        await killer.dispose()

        async with engine.connect() as conn:
            now = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert now != victim
    finally:
        await engine.dispose()
