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

from chainkit.bulk import insert_rows, insert_tables, insert_tables_then, unnest_insert
from chainkit.db import create_engine, session_factory
from chainkit.raw_sql import RawQuery, fetch_postgresql

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


async def test_unnest_insert_stores_what_insert_rows_stores_in_one_statement(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("unnest_insert is PostgreSQL's")
    async with session_factory(engine)() as session, session.begin():
        await insert_rows(session, probe, [row("ref-a", 5), row("ref-c", at=None)])
        first, first_arrays = unnest_insert(probe, [row("a", 5)], engine.dialect)
        rest, rest_arrays = unnest_insert(
            probe, [row("b", -2, False), row("c", at=None)], engine.dialect, 1 + len(first_arrays)
        )
        # Two tables' worth of rows (here one table twice) in one statement, via WITH.
        await fetch_postgresql(session, f"WITH x AS ({first}) {rest}", *first_arrays, *rest_arrays)
    async with engine.connect() as conn:
        stored = {
            r[0]: tuple(r[1:])
            for r in await conn.execute(text("SELECT name, units, flag, at FROM bulk_probe"))
        }
    assert stored["a"] == stored["ref-a"] and stored["c"] == stored["ref-c"]
    assert stored["b"][:2] == (-2, False)


async def test_unnest_insert_refuses_a_key_that_is_not_a_column(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="no columns"):
        unnest_insert(probe, [{"name": "a", "colour": "red"}], engine.dialect)


async def test_a_broken_constraint_in_a_composed_statement_is_an_integrity_error(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("fetch_postgresql is PostgreSQL's")
    sql, arrays = unnest_insert(probe, [row("twice"), row("twice")], engine.dialect)
    with pytest.raises(IntegrityError):
        async with session_factory(engine)() as session, session.begin():
            await fetch_postgresql(session, sql, *arrays)


child = Table(
    "bulk_child",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=True),
)


async def test_insert_tables_writes_every_tables_rows_as_insert_rows_does(
    engine: AsyncEngine,
) -> None:
    async with session_factory(engine)() as session, session.begin():
        await insert_rows(session, probe, [row("ref-a", 5)])
        await insert_tables(
            session,
            [
                (probe, [row("a", 5), row("b", -2, False)]),
                (child, []),  # nothing for a table: skipped
                (child, [{"parent": "a", "at": AT}, {"parent": "b", "at": None}]),
            ],
        )
    async with engine.connect() as conn:
        stored = {
            r[0]: tuple(r[1:])
            for r in await conn.execute(text("SELECT name, units, flag, at FROM bulk_probe"))
        }
        children = (await conn.execute(select(child.c.parent).order_by(child.c.id))).scalars()
        assert list(children) == ["a", "b"]
    assert stored["a"] == stored["ref-a"] and stored["b"][:2] == (-2, False)


async def test_insert_tables_is_all_or_nothing_and_reports_a_broken_constraint(
    engine: AsyncEngine,
) -> None:
    async def clash() -> None:
        async with session_factory(engine)() as session, session.begin():
            await insert_tables(
                session, [(child, [{"parent": "x"}]), (probe, [row("a"), row("a")])]
            )

    with pytest.raises(IntegrityError):
        await clash()
    async with engine.connect() as conn:
        assert (await conn.execute(select(child))).all() == []
        assert (await conn.execute(select(probe))).all() == []


_UNITS_OF = RawQuery(
    sqlite="UPDATE bulk_probe SET units = units + ?2 WHERE name = ?1 RETURNING name, units",
    postgresql="",
)


async def test_insert_tables_then_runs_the_statement_after_the_rows_and_answers_its_rows(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "sqlite":
        with pytest.raises(ValueError, match="SQLite's"):
            async with session_factory(engine)() as session, session.begin():
                await insert_tables_then(session, [(probe, [row("a")])], _UNITS_OF, "a", 1)
        return
    async with session_factory(engine)() as session, session.begin():
        rows = await insert_tables_then(
            session,
            [(probe, [row("a", 5)]), (child, []), (child, [{"parent": "a", "at": AT}])],
            _UNITS_OF,
            "a",  # the row the INSERT before it wrote
            2,
        )
    assert [tuple(r) for r in rows] == [("a", 7)]
    async with engine.connect() as conn:
        assert list((await conn.execute(select(child.c.parent))).scalars()) == ["a"]


async def test_insert_tables_then_fails_as_a_whole_when_its_statement_fails(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("insert_tables_then is SQLite's")
    clash = RawQuery(
        sqlite="INSERT INTO bulk_probe (name, units, flag) VALUES (?, 1, 1)", postgresql=""
    )

    async def twice() -> None:
        async with session_factory(engine)() as session, session.begin():
            await insert_tables_then(session, [(child, [{"parent": "x"}])], clash, "taken")
            await insert_tables_then(session, [(probe, [row("other")])], clash, "taken")

    with pytest.raises(IntegrityError):
        await twice()
    async with engine.connect() as conn:
        assert (await conn.execute(select(child))).all() == []
        assert (await conn.execute(select(probe))).all() == []
