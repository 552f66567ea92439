"""RawQuery sends hand-written SQL straight to the driver: in the session's transaction,
with parameters converted as SQLAlchemy converts them, and errors as SQLAlchemy's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.db import create_engine, session_factory
from chainkit.raw_sql import RawQuery

metadata = MetaData()
probe = Table(
    "raw_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True, nullable=False),
    Column("at", DateTime(timezone=True), nullable=True),
)
AT = datetime(2026, 11, 27, 9, 30, 15, 654321, tzinfo=UTC)

NAMED = RawQuery(
    sqlite="SELECT id, name FROM raw_probe WHERE name IN (SELECT value FROM json_each(?)) "
    "ORDER BY id",
    postgresql="SELECT id, name FROM raw_probe WHERE name = ANY($1::text[]) ORDER BY id",
    standalone_read=True,
)
STAMP = RawQuery(
    sqlite="UPDATE raw_probe SET at = ? WHERE id IN (SELECT value FROM json_each(?)) RETURNING id",
    postgresql="UPDATE raw_probe SET at = $1 WHERE id = ANY($2::bigint[]) RETURNING id",
    types=[probe.c.at.type],
)
ADD = RawQuery(
    sqlite="INSERT INTO raw_probe (name) VALUES (?)",
    postgresql="INSERT INTO raw_probe (name) VALUES ($1)",
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(probe), [{"name": n} for n in ("a", "b", "c", "ref")])
    yield engine
    await engine.dispose()


async def test_a_list_parameter_matches_any_of_its_values(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        rows = await NAMED.fetch(session, ["c", "a", "nobody"])
        assert [tuple(r) for r in rows] == [(1, "a"), (3, "c")]
        assert await NAMED.fetch(session, []) == []


async def test_parameters_are_stored_as_sqlalchemy_stores_them(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        assert [tuple(r) for r in await STAMP.fetch(session, AT, [1, 2])] == [(1,), (2,)]
        await session.execute(probe.update().where(probe.c.name == "ref").values(at=AT))
    async with engine.connect() as conn:
        stored = dict((await conn.exec_driver_sql("SELECT name, at FROM raw_probe")).all())
        parsed = {r.name: r.at for r in await conn.execute(select(probe))}
    assert stored["a"] == stored["ref"]  # the stored form itself (SQLite keeps text)
    assert parsed["a"].replace(tzinfo=UTC) == AT and parsed["c"] is None


async def test_it_runs_in_the_sessions_transaction_even_first(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await STAMP.fetch(session, AT, [1])  # before any statement of SQLAlchemy's
        await session.execute(probe.update().where(probe.c.id == 2).values(at=AT))
        await session.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(select(probe.c.at).where(probe.c.at.is_not(None)))).all() == []


async def test_a_standalone_read_leaves_the_transaction_to_the_writes(
    engine: AsyncEngine,
) -> None:
    async with session_factory(engine)() as session, session.begin():
        assert len(await NAMED.fetch(session, ["a"])) == 1
        await STAMP.fetch(session, AT, [1])
        await session.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(select(probe.c.at).where(probe.c.id == 1))).scalar() is None


async def test_a_broken_constraint_is_sqlalchemys_integrity_error(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        with pytest.raises(IntegrityError, match=r"(?i)unique"):
            await ADD.fetch(session, "a")
