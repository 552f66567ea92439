"""Inserting many rows on a hot path with the least work per row.

SQLAlchemy's executemany builds a parameter dict and runs every type processor for each
row, then goes through the execution machinery once more per statement: on Reserve's
batches that was most of the database layer's CPU. On SQLite the rows go straight to
aiosqlite's executemany instead (one hand-off), each value converted by its column's own
bind processor (memoised per value: a batch's rows share their timestamps), so what is
stored is exactly what SQLAlchemy would store, and errors come out as SQLAlchemy's
exceptions. On PostgreSQL SQLAlchemy's executemany is kept (asyncpg batches it already).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

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
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        order = list(compiled.positiontup or [])
        if sorted(order) != sorted(keys):
            raise ValueError(f"{table.name}: cannot insert exactly the columns {keys}")
        columns = [(k, table.c[k].type._cached_bind_processor(dialect)) for k in order]
        found = _plans[(dialect.name, table.name, keys)] = _Plan(compiled.string, columns)
    return found


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT every row (all with the same keys) in the session's transaction."""
    if not rows:
        return
    conn = await session.connection()
    plan = _plan(table, tuple(rows[0]), conn.dialect)
    if conn.dialect.name != "sqlite":
        await conn.execute(insert(table), list(rows))
        return
    memo: dict[Any, Any] = {}

    def convert(p: Callable[[Any], Any], value: Any) -> Any:
        try:
            if value not in memo:
                memo[value] = p(value)
            return memo[value]
        except TypeError:  # unhashable (a JSON document, say): convert it every time
            return p(value)

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
    raw = await conn.get_raw_connection()
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        await raw.driver_connection.executemany(plan.sql, params)  # type: ignore[union-attr]
    except dbapi_error as e:
        raise DBAPIError.instance(plan.sql, params, e, dbapi_error) from e
