"""Inserting many rows on a hot path with the least work per row.

SQLAlchemy's executemany builds a parameter dict and runs every type processor for each
row, then goes through the execution machinery once more per statement: on Reserve's
batches that was most of the database layer's CPU. Here the rows go straight to the
driver's executemany (aiosqlite: one thread hand-off; asyncpg: one pipelined round trip),
on the session's connection and in its transaction, with the statement SQLAlchemy compiles
for that database and each value converted by its column's own bind processor (memoised
per value: a batch's rows share their timestamps). So what is stored is exactly what
SQLAlchemy would store, and errors come out as SQLAlchemy's exceptions.

On PostgreSQL, `unnest_insert` writes the same rows as one INSERT over column arrays, a
statement that can sit in a WITH clause: a caller folds several tables' rows (and the
UPDATE they go with) into one round trip. `insert_tables` does that for new rows of several
tables: one statement on PostgreSQL, one hand-off to the connection's thread on SQLite (on
this kind of machine each round trip costs ~0.2 ms of CPU in system calls alone), and
`insert_tables_then` adds the statement they go with to that hand-off on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.raw_sql import DRIVER_ERRORS, RawQuery, Row, as_sqlalchemy_error, driver_of

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    columns: Sequence[tuple[str, Processor]]  # in the order of the statement's placeholders


_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def _plan(table: Table, keys: tuple[str, ...], dialect: Dialect) -> _Plan:
    """The statement for these columns (compiled once), refusing a key that is not one."""
    found = _plans.get((dialect.name, table.name, keys))
    if found is None:
        # inline: no RETURNING of the new keys, which an executemany would throw away
        compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(keys))
        order = list(compiled.positiontup or [])
        if sorted(order) != sorted(keys):
            raise ValueError(f"{table.name}: cannot insert exactly the columns {keys}")
        columns = [(k, table.c[k].type._cached_bind_processor(dialect)) for k in order]
        found = _plans[(dialect.name, table.name, keys)] = _Plan(compiled.string, columns)
    return found


def _converter() -> Callable[[Callable[[Any], Any], Any], Any]:
    """Bind-processor calls memoised per value (a batch's rows share their timestamps)."""
    memo: dict[Any, Any] = {}

    def convert(p: Callable[[Any], Any], value: Any) -> Any:
        try:
            if value not in memo:
                memo[value] = p(value)
            return memo[value]
        except TypeError:  # unhashable (a JSON document, say): convert it every time
            return p(value)

    return convert


_unnest_plans: dict[tuple[str, tuple[str, ...], int], _Plan] = {}


def unnest_insert(
    table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect, first: int = 1
) -> tuple[str, list[list[Any]]]:
    """PostgreSQL: `INSERT INTO table (...) SELECT * FROM unnest($first::type[], ...)` for
    these rows (all with the same keys, at least one), and its parameters, one array per
    column, each value through its column's bind processor."""
    keys = tuple(rows[0])
    plan = _unnest_plans.get((table.name, keys, first))
    if plan is None:
        unknown = [k for k in keys if k not in table.c]
        if unknown:
            raise ValueError(f"{table.name}: no columns {unknown}")
        casts = ", ".join(
            f"${first + i}::{table.c[k].type.compile(dialect=dialect)}[]"
            for i, k in enumerate(keys)
        )
        sql = f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT * FROM unnest({casts})"
        columns = [(k, table.c[k].type._cached_bind_processor(dialect)) for k in keys]
        plan = _unnest_plans[(table.name, keys, first)] = _Plan(sql, columns)
    convert = _converter()
    arrays = []
    for k, p in plan.columns:
        values = [row[k] for row in rows]
        arrays.append(values if p is None else [convert(p, v) for v in values])
    return plan.sql, arrays


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT every row (all with the same keys) in the session's transaction."""
    if not rows:
        return
    dialect, driver = await driver_of(session)
    sql, params = _prepared(table, rows, dialect)
    try:
        await driver.executemany(sql, params)  # aiosqlite's and asyncpg's alike
    except DRIVER_ERRORS as e:
        raise as_sqlalchemy_error(e, sql, params) from e


Rows = Sequence[Mapping[str, Any]]


async def insert_tables(session: AsyncSession, tables: Sequence[tuple[Table, Rows]]) -> None:
    """INSERT each table's rows (a table's rows all with the same keys) in the session's
    transaction, in one round trip; a broken constraint raises IntegrityError as usual."""
    tables = [(table, rows) for table, rows in tables if rows]
    if not tables:
        return
    dialect, driver = await driver_of(session)
    if dialect.name == "postgresql":
        parts: list[str] = []
        params: list[Any] = []
        for i, (table, rows) in enumerate(tables):
            sql, arrays = unnest_insert(table, rows, dialect, first=len(params) + 1)
            parts.append(f"t{i} AS ({sql})")
            params.extend(arrays)
        statement = f"WITH {', '.join(parts)} SELECT 1"
        try:
            await driver.fetch(statement, *params)
        except DRIVER_ERRORS as e:
            raise as_sqlalchemy_error(e, statement, params) from e
        return
    await _on_sqlite_thread(driver, [_prepared(table, rows, dialect) for table, rows in tables])


async def insert_tables_then(
    session: AsyncSession, tables: Sequence[tuple[Table, Rows]], query: RawQuery, *params: Any
) -> list[Row]:
    """SQLite: as insert_tables, then `query`, in the same hand-off to the connection's
    thread; the rows `query` returns. (PostgreSQL folds such rows into the statement's
    WITH instead, with unnest_insert.)"""
    dialect, driver = await driver_of(session)
    if dialect.name != "sqlite":
        raise ValueError("insert_tables_then is SQLite's: fold the rows into a WITH")
    prepared = [_prepared(table, rows, dialect) for table, rows in tables if rows]
    return await _on_sqlite_thread(driver, prepared, query.prepared(dialect, *params))


async def _on_sqlite_thread(
    driver: Any, inserts: list[tuple[str, list[Any]]], last: tuple[str, list[Any]] | None = None
) -> list[Row]:
    try:
        return await driver._execute(_run_all, driver._conn, inserts, last)  # type: ignore[no-any-return]
    except DRIVER_ERRORS as e:
        statements = [sql for sql, _ in inserts] + ([last[0]] if last else [])
        raise as_sqlalchemy_error(e, "; ".join(statements), []) from e


def _run_all(
    conn: Any, inserts: list[tuple[str, list[Any]]], last: tuple[str, list[Any]] | None
) -> list[Row]:
    """On aiosqlite's thread: every INSERT, then the last statement and its rows."""
    for sql, params in inserts:
        conn.executemany(sql, params)
    if last is None:
        return []
    cursor = conn.execute(*last)
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _prepared(table: Table, rows: Rows, dialect: Dialect) -> tuple[str, list[Any]]:
    """The INSERT for these rows' keys and each row's values, converted for the driver."""
    plan = _plan(table, tuple(rows[0]), dialect)
    convert = _converter()
    values = itemgetter(*(k for k, _ in plan.columns))  # one C call per row
    converted = [(i, p) for i, (_, p) in enumerate(plan.columns) if p is not None]
    params: list[Any] = []
    for row in rows:
        got = values(row)
        if converted:
            got = list(got) if isinstance(got, tuple) else [got]
            for i, p in converted:
                got[i] = convert(p, got[i])
        elif not isinstance(got, tuple):
            got = (got,)
        params.append(got)
    return plan.sql, params
