"""Hot-path statements sent straight to the database driver, in the session's transaction.

SQLAlchemy's execution path (execution context, parameter processing, expanding IN lists,
result metadata) cost ~250-400 us of CPU per statement on this kind of machine: on a
batched Reserve, more than the statements themselves. A `RawQuery` is written once per
database, its parameters go through the columns' own bind processors (so what is compared
or stored is what SQLAlchemy would use), and the rows come back as the driver's tuples.

- A `list` parameter is a set of values to match: a JSON array on SQLite (read it with
  `json_each(?)`), an array on PostgreSQL (`unnest($n)` to drive a join by key, which
  keeps the plan on the index whatever the statistics say; or `= ANY($n)`), so the SQL
  text never changes with the list's length.
- Driver errors come out as SQLAlchemy's exceptions (`IntegrityError` for a broken
  constraint, on both databases; other `DBAPIError`s).
- On PostgreSQL SQLAlchemy begins its transaction lazily, at its first statement. A raw
  statement first begins it the same way (SQLAlchemy's own BEGIN, so commit and rollback
  work as usual), except a `standalone_read`: a plain read that may run on its own, as
  an autocommit statement, saving the BEGIN and COMMIT round trips. On SQLite the session
  has begun its transaction when it handed over the connection, and a `standalone_read`
  runs on the event loop's thread (chainkit.sqlite_driver.read_here).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from chainkit.sqlite_driver import read_here

Row = Sequence[Any]


class RawQuery:
    def __init__(
        self,
        *,
        sqlite: str,
        postgresql: str,
        types: Sequence[TypeEngine[Any] | None] = (),
        standalone_read: bool = False,
    ) -> None:
        self._sql = {"sqlite": sqlite, "postgresql": postgresql}
        self._standalone_read = standalone_read
        self._types = list(types)  # per parameter, in order; None or missing: as given
        self._processors: dict[str, list[Any]] = {}

    def _convert(self, dialect: Dialect, params: Sequence[Any]) -> list[Any]:
        processors = self._processors.get(dialect.name)
        if processors is None:
            processors = [t and t._cached_bind_processor(dialect) for t in self._types]
            self._processors[dialect.name] = processors
        sqlite = dialect.name == "sqlite"
        out = []
        for i, value in enumerate(params):
            p = processors[i] if i < len(processors) else None
            if isinstance(value, list):
                value = json.dumps(value) if sqlite else value
            elif p is not None and value is not None:
                value = p(value)
            out.append(value)
        return out

    def prepared(self, dialect: Dialect, *params: Any) -> tuple[str, list[Any]]:
        """The statement for `dialect` and its parameters as the driver takes them."""
        return self._sql[dialect.name], self._convert(dialect, params)

    async def fetch(self, session: AsyncSession, *params: Any) -> list[Row]:
        """Every row the statement returns (none for a statement without RETURNING)."""
        dialect, driver = await driver_of(session, begin=not self._standalone_read)
        return await self.run(dialect, driver, *params)

    async def run(self, dialect: Dialect, driver: Any, *params: Any) -> list[Row]:
        """On a driver connection as it is: inside whatever transaction it has open, or
        on its own (autocommit) when it has none, as the outbox relay uses it."""
        sql, values = self.prepared(dialect, *params)
        try:
            if dialect.name == "sqlite":
                if self._standalone_read:
                    return read_here(driver, sql, values)
                return list(await driver.execute_fetchall(sql, values))
            return list(await driver.fetch(sql, *values))
        except DRIVER_ERRORS as e:
            raise as_sqlalchemy_error(e, sql, values) from e


async def fetch_postgresql(session: AsyncSession, sql: str, *params: Any) -> list[Row]:
    """A statement composed at run time (chainkit.bulk.unnest_insert pieces in a WITH, say)
    on PostgreSQL, in the session's transaction, its errors as SQLAlchemy's."""
    _, driver = await driver_of(session)
    try:
        return list(await driver.fetch(sql, *params))
    except DRIVER_ERRORS as e:
        raise as_sqlalchemy_error(e, sql, params) from e


# What the drivers raise for a statement that fails.
DRIVER_ERRORS = (sqlite3.Error, asyncpg.PostgresError)


def as_sqlalchemy_error(error: Exception, sql: str, params: Any) -> StatementError:
    """The exception SQLAlchemy would have raised: IntegrityError for a broken constraint
    on either database (SQLAlchemy maps asyncpg's by class name, which does not match)."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(sql, params, error)
    return DBAPIError.instance(sql, params, error, type(error))


_DRIVER = "chainkit_raw_driver"


async def driver_of(session: AsyncSession, *, begin: bool = True) -> tuple[Dialect, Any]:
    """The session's dialect and driver connection (aiosqlite's or asyncpg's), looked up
    once per transaction: asking the session for its connection is a greenlet hop each time.
    With `begin`, PostgreSQL's transaction is begun first if SQLAlchemy has not yet."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_DRIVER)
    if transaction is None or cached is None or cached[0] is not transaction:
        conn = await session.connection()
        adapted = await conn.get_raw_connection()
        cached = (session.sync_session.get_transaction(), conn.dialect, adapted)
        session.info[_DRIVER] = cached
    _, dialect, adapted = cached
    asyncpg_adapter: Any = adapted.dbapi_connection
    if begin and dialect.name == "postgresql" and asyncpg_adapter._transaction is None:
        # What SQLAlchemy's asyncpg adapter does before its own first statement.
        await asyncpg_adapter._start_transaction()
    return dialect, adapted.driver_connection
