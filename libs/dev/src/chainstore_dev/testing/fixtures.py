"""pytest fixtures every test folder shares (loaded by the root conftest.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chainkit import tracing
from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.infra import NatsServer, new_pg_database
from chainstore_dev.testing.migrated import Migrate, MigratedDatabases

_EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for one test; name it before the fixtures that build servers
    and engines, so that they are built traced. The global provider can be set only once per
    process; the flag and the SQL instrumentation are undone after each test."""
    tracing.install(_PROVIDER)
    _EXPORTER.clear()
    yield _EXPORTER
    tracing.ENABLED = False
    SQLAlchemyInstrumentor().uninstrument()
    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
    _EXPORTER.clear()


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


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole suite as real processes with the demo chain seeded, one per test module (a
    module or folder that needs other settings defines its own)."""
    data_dir: Path = tmp_path_factory.mktemp("stack")
    suite = Stack(data_dir=data_dir, ports=Ports.free(), carrier_pace_s=0.3)
    with seeded_stack(suite):
        yield suite


@pytest.fixture(scope="session")
def migrate(tmp_path_factory: pytest.TempPathFactory) -> Migrate:
    """`await migrate(database_url, MIGRATIONS)` before a test opens the database: a SQLite
    file is a copy of one the migrations built once in this test process."""
    return MigratedDatabases(tmp_path_factory.mktemp("migrated")).migrate
