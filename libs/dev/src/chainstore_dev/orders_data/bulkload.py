"""Bulk writers behind `chainstore_dev.orders_data.loadgen`: rows in as fast as each database
takes them.

Both build the secondary indexes after the load when they start from empty tables (one
sorted build beats a million random inserts into each index), then ANALYZE. A load killed
half-way leaves a data set without those indexes: load it again into a fresh database.
- SQLite: its own sqlite3 connection in one worker thread (so the next batch is generated
  while this one is written), `executemany` of plain tuples (values converted once by the
  column types' own bind processors, exactly as SQLAlchemy stores them), no journal and no
  fsync during the load only; WAL again afterwards.
- PostgreSQL: COPY through asyncpg, asynchronous commit for the load session.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import Table, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

Rows = list[dict[str, Any]]


class BulkWriter(Protocol):
    async def start(self, tables: list[Table]) -> None: ...

    async def write(self, parts: list[tuple[Table, Rows]]) -> None: ...

    async def finish(self) -> None: ...


def writer_for(engine: AsyncEngine) -> BulkWriter:
    if engine.dialect.name == "sqlite":
        return SqliteBulkWriter(str(make_url(str(engine.url)).database), engine.dialect)
    return PostgresBulkWriter(engine)


class SqliteBulkWriter:
    def __init__(self, path: str, dialect: Dialect) -> None:
        self._path = path
        self._dialect = dialect
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bulkload")
        self._conn: sqlite3.Connection | None = None
        self._deferred: list[str] = []

    def _run(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        return asyncio.wrap_future(self._pool.submit(fn, *args))

    async def start(self, tables: list[Table]) -> None:
        await self._run(self._start, [t.name for t in tables])

    def _start(self, names: list[str]) -> None:
        conn = self._conn = sqlite3.connect(self._path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-524288"):
            conn.execute(f"PRAGMA {pragma}")
        marks = ",".join("?" * len(names))
        if all(conn.execute(f'SELECT 1 FROM "{n}" LIMIT 1').fetchone() is None for n in names):
            found = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                names,
            ).fetchall()
            for name, sql in found:
                conn.execute(f'DROP INDEX "{name}"')
                self._deferred.append(sql)

    async def write(self, parts: list[tuple[Table, Rows]]) -> None:
        await self._run(self._write, parts)

    def _write(self, parts: list[tuple[Table, Rows]]) -> None:
        assert self._conn is not None
        self._conn.execute("BEGIN")
        for table, rows in parts:
            if rows:
                columns = list(rows[0])
                sql = (
                    f'INSERT INTO "{table.name}" ({", ".join(columns)}) '
                    f"VALUES ({', '.join('?' * len(columns))})"
                )
                self._conn.executemany(sql, _tuples(table, columns, rows, self._dialect))
        self._conn.execute("COMMIT")

    async def finish(self) -> None:
        try:
            await self._run(self._finish)
        finally:
            self._pool.shutdown()

    def _finish(self) -> None:
        assert self._conn is not None
        for sql in self._deferred:
            self._conn.execute(sql)
        self._conn.execute("ANALYZE")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.close()


def _tuples(table: Table, columns: list[str], rows: Rows, dialect: Dialect) -> list[Any]:
    get = itemgetter(*columns)
    procs = [
        (i, p)
        for i, c in enumerate(columns)
        if (p := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if not procs:
        return [get(r) for r in rows]
    out = []
    for r in rows:
        values = list(get(r))
        for i, process in procs:
            values[i] = process(values[i])
        out.append(values)
    return out


class PostgresBulkWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._deferred: list[str] = []

    async def start(self, tables: list[Table]) -> None:
        names = [t.name for t in tables]
        async with self._engine.begin() as conn:
            counts = [
                (await conn.execute(text(f'SELECT 1 FROM "{n}" LIMIT 1'))).first() for n in names
            ]
            if any(counts):
                return
            found = await conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename = ANY(:names) AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint)"
                ),
                {"names": names},
            )
            for name, sql in found.all():
                await conn.execute(text(f'DROP INDEX "{name}"'))
                self._deferred.append(sql)

    async def write(self, parts: list[tuple[Table, Rows]]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            for table, rows in parts:
                if rows:
                    columns = list(rows[0])
                    get = itemgetter(*columns)
                    await raw.copy_records_to_table(
                        table.name, records=[get(r) for r in rows], columns=columns
                    )

    async def finish(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            for sql in self._deferred:
                await conn.execute(text(sql))
            await conn.execute(text("ANALYZE"))  # fresh statistics for the planner
