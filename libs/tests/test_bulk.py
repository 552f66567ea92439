"""insert_rows stores exactly what SQLAlchemy's own INSERT stores, on both databases, in
the session's transaction, and reports a broken constraint as SQLAlchemy's IntegrityError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.bulk import insert_rows
from chainkit.db import create_engine, session_factory

metadata = MetaData()
probe = Table(
    "bulk_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=True),
)
AT = datetime(2026, 11, 27, 8, 15, 30, 123456, tzinfo=UTC)


def row(name: str, units: int = 1, flag: bool = True, at: datetime | None = AT) -> dict[str, Any]:
    return {"name": name, "units": units, "flag": flag, "at": at}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_rows_are_stored_as_sqlalchemy_stores_them(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await insert_rows(session, probe, [row("a", 5), row("b", -2, False), row("c", at=None)])
        await session.execute(insert(probe), [row("ref-a", 5), row("ref-c", at=None)])
    async with engine.connect() as conn:
        # The stored form itself (SQLite keeps text), not only what comes back parsed.
        raw = {
            r[0]: tuple(r[1:])
            for r in await conn.execute(text("SELECT name, units, flag, at FROM bulk_probe"))
        }
        parsed = {r.name: r for r in await conn.execute(select(probe))}
    assert raw["a"] == raw["ref-a"] and raw["c"] == raw["ref-c"]
    assert parsed["a"].at.replace(tzinfo=UTC) == AT and parsed["a"].units == 5
    assert parsed["b"].flag is False and parsed["b"].units == -2 and parsed["c"].at is None


async def test_it_writes_in_the_sessions_transaction(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await insert_rows(session, probe, [row("a")])
        await session.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(select(probe))).all() == []


async def test_a_broken_constraint_is_an_integrity_error(engine: AsyncEngine) -> None:
    async def twice() -> None:
        async with session_factory(engine)() as session, session.begin():
            await insert_rows(session, probe, [row("a"), row("a")])

    with pytest.raises(IntegrityError):
        await twice()
    async with engine.connect() as conn:
        assert (await conn.execute(select(probe))).all() == []


async def test_rows_must_name_insertable_columns(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        with pytest.raises(Exception, match="nope"):
            await insert_rows(session, probe, [{**row("a"), "nope": 1}])


async def test_values_that_cannot_be_memoised_are_converted_each_time(engine: AsyncEngine) -> None:
    documents = Table(
        "bulk_docs", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON)
    )
    async with engine.begin() as conn:
        await conn.run_sync(documents.metadata.create_all)
    async with session_factory(engine)() as session, session.begin():
        await insert_rows(session, documents, [{"doc": {"a": 1}}, {"doc": {"a": 2}}])
    async with engine.connect() as conn:
        docs = (await conn.execute(select(documents.c.doc).order_by(documents.c.id))).scalars()
        assert list(docs) == [{"a": 1}, {"a": 2}]
