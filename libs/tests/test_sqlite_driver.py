"""chainkit's SQLite engines run each statement in one aiosqlite hand-off, and answer
exactly as SQLAlchemy's own adapter does: rows, rowcount, lastrowid, errors, streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.db import create_engine
from chainkit.raw_sql import RawQuery
from chainkit.sqlite_driver import OneHopConnection

metadata = MetaData()
item = Table(
    "item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions sent to aiosqlite's thread."""
    calls: list[str] = []
    real = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kw)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return calls


async def test_every_connection_uses_the_one_hop_cursor(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_a_statement_is_one_hand_off(engine: AsyncEngine, hand_offs: list[str]) -> None:
    async with engine.begin() as conn:
        hand_offs.clear()
        await conn.execute(insert(item), [{"name": "a"}, {"name": "b"}])
        rows = (await conn.execute(select(item.c.name).order_by(item.c.id))).scalars().all()
        assert rows == ["a", "b"]
        assert hand_offs == ["_run", "_run"]


async def test_results_match_the_dbapi(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(item).values(name="a"))
        assert first.inserted_primary_key == (1,)
        many = await conn.execute(insert(item), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        changed = await conn.execute(
            update(item).where(item.c.id > 1).values(name=item.c.name + "!")
        )
        assert changed.rowcount == 2
        returned = await conn.execute(
            update(item).where(item.c.id == 1).values(name="z").returning(item.c.id, item.c.name)
        )
        assert returned.all() == [(1, "z")]
        assert (await conn.execute(text("SELECT count(*) FROM item"))).scalar_one() == 3
        streamed = await conn.stream(select(item.c.name).order_by(item.c.id))
        assert [row.name async for row in streamed] == ["z", "b!", "c!"]


async def test_errors_are_sqlalchemy_errors_and_the_transaction_rolls_back(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(name="a"))

    async def add_b_then_a_again() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(item).values(name="b"))
            await conn.execute(insert(item).values(name="a"))

    with pytest.raises(IntegrityError):
        await add_b_then_a_again()
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["a"]


async def test_a_connection_back_from_a_commit_is_not_rolled_back_again(
    engine: AsyncEngine, hand_offs: list[str]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(name="kept"))
    hand_offs.clear()
    async with engine.connect() as conn:  # autocommit reads, as the outbox relay does
        raw = await conn.get_raw_connection()
        assert await raw.driver_connection.execute_fetchall("SELECT name FROM item") == [("kept",)]
    assert "rollback" not in hand_offs


async def test_a_connection_back_with_a_transaction_open_is_rolled_back(
    engine: AsyncEngine, hand_offs: list[str]
) -> None:
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        await driver.execute("BEGIN IMMEDIATE")  # behind SQLAlchemy's back, as raw SQL does
        await driver.execute("INSERT INTO item (name) VALUES ('dropped')")
    assert "rollback" in hand_offs
    # The write lock is free again (a held one would make this wait out the busy timeout)
    # and the row was never committed.
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(name="next"))
        names = (await conn.execute(select(item.c.name))).scalars().all()
    assert names == ["next"]


async def test_a_standalone_read_runs_on_the_loop_thread(
    engine: AsyncEngine, hand_offs: list[str]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item), [{"name": "a"}, {"name": "b"}])
    query = RawQuery(
        sqlite="SELECT name FROM item WHERE name IN (SELECT value FROM json_each(?)) ORDER BY name",
        postgresql="",
        standalone_read=True,
    )
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        hand_offs.clear()
        rows = await query.run(conn.dialect, driver, ["a", "b", "z"])
        assert hand_offs == []  # no trip through aiosqlite's thread
    assert [tuple(r) for r in rows] == [("a",), ("b",)]
