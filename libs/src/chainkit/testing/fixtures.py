"""pytest fixtures every test folder shares (loaded by the root conftest.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chainkit.testing.infra import NatsServer, new_pg_database


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


async def _postgres_url(prefix: str) -> AsyncIterator[str]:
    try:
        cm = new_pg_database(prefix)
        url = await cm.__aenter__()
    except (OSError, ConnectionError) as e:
        message = f"PostgreSQL unavailable ({e}); set CHAINSTORE_TEST_PG_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield url
    finally:
        await cm.__aexit__(None, None, None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each storage test runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    async for url in _postgres_url("cs_test"):
        yield url
