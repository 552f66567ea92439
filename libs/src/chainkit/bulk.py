"""Inserting many rows on a hot path with the least work per row.

SQLAlchemy's executemany builds a parameter dict and runs every type processor for each
row, then goes through the execution machinery once more per statement: on Reserve's
batches that was most of the database layer's CPU. Here the rows go straight to the
driver's executemany (aiosqlite: one thread hand-off; asyncpg: one pipelined round trip),
on the session's connection and in its transaction, with the statement SQLAlchemy compiles
for that database and each value converted by its column's own bind processor (memoised
per value: a batch's rows share their timestamps). So what is stored is exactly what
SQLAlchemy would store, and errors come out as SQLAlchemy's exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.raw_sql import DRIVER_ERRORS, as_sqlalchemy_error, driver_of

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


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT every row (all with the same keys) in the session's transaction."""
    if not rows:
        return
    dialect, driver = await driver_of(session)
    plan = _plan(table, tuple(rows[0]), dialect)
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
    try:
        await driver.executemany(plan.sql, params)  # aiosqlite's and asyncpg's alike
    except DRIVER_ERRORS as e:
        raise as_sqlalchemy_error(e, plan.sql, params) from e
