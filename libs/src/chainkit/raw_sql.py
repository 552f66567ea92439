"""Hot-path statements sent straight to the database driver, in the session's transaction.

SQLAlchemy's execution path (execution context, parameter processing, expanding IN lists,
result metadata) cost ~250-400 us of CPU per statement on this kind of machine: on a
batched Reserve, more than the statements themselves. A `RawQuery` is written once per
database, its parameters go through the columns' own bind processors (so what is compared
or stored is what SQLAlchemy would use), and the rows come back as the driver's tuples.

- A `list` parameter is a set of values to match: a JSON array on SQLite (read it with
  `json_each(?)`), an array on PostgreSQL (`= ANY($n)`), so the SQL text never changes.
- Driver errors come out as SQLAlchemy's exceptions (`IntegrityError` for a broken
  constraint, on both databases; other `DBAPIError`s).
- On PostgreSQL SQLAlchemy begins its transaction at the first statement it runs: a raw
  statement that comes before any runs on its own. Use raw statements first only where
  that is fine (a read, a single self-contained write).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

Row = Sequence[Any]


class RawQuery:
    def __init__(
        self, *, sqlite: str, postgresql: str, types: Sequence[TypeEngine[Any] | None] = ()
    ) -> None:
        self._sql = {"sqlite": sqlite, "postgresql": postgresql}
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

    async def fetch(self, session: AsyncSession, *params: Any) -> list[Row]:
        """Every row the statement returns (none for a statement without RETURNING)."""
        dialect, driver = await _driver(session)
        sql = self._sql[dialect.name]
        values = self._convert(dialect, params)
        try:
            if dialect.name == "sqlite":
                return list(await driver.execute_fetchall(sql, values))
            return list(await driver.fetch(sql, *values))
        except asyncpg.IntegrityConstraintViolationError as e:
            raise IntegrityError(sql, values, e) from e
        except (sqlite3.Error, asyncpg.PostgresError) as e:
            raise DBAPIError.instance(sql, values, e, type(e)) from e


_DRIVER = "chainkit_raw_driver"


async def _driver(session: AsyncSession) -> tuple[Dialect, Any]:
    """The session's dialect and driver connection, looked up once per transaction (asking
    the session for its connection is itself a greenlet hop and most of a statement's cost)."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_DRIVER)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1], cached[2]
    conn = await session.connection()
    driver = (await conn.get_raw_connection()).driver_connection
    session.info[_DRIVER] = (session.sync_session.get_transaction(), conn.dialect, driver)
    return conn.dialect, driver
