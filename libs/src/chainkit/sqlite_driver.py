"""One thread hand-off per SQLite statement, instead of three or four.

aiosqlite runs every sqlite3 call on its own thread, and SQLAlchemy's adapter makes one
call each for creating the cursor, executing, fetching the rows and closing the cursor:
each is a round trip through a queue, a thread wake-up and the event loop's self-pipe.
Measured (bench of a Core INSERT): ~400 us of CPU per statement through the adapter, ~90 us
for one aiosqlite call. `OneHopCursor` does the whole statement (execute, fetch every row,
read rowcount/lastrowid/description, close) in a single call on that thread.

It is installed on each new connection (`install`, from chainkit.db's connect hook) by
swapping the adapter's class for a subclass that only changes the cursor class, so the
rest of SQLAlchemy's aiosqlite dialect (pooling, transactions, errors) is untouched.
Server-side cursors (stream_results) keep SQLAlchemy's own class.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, many: bool, sql: str, params: Any) -> _Outcome:
    """On aiosqlite's thread: the whole statement, start to finish."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        elif params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No aiosqlite cursor (creating one is a hand-off of its own): statements run on
        # a sqlite3 cursor made and closed on the connection's thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def _go(self, many: bool, sql: str, params: Any) -> None:
        try:
            outcome: _Outcome = await_(self._hop(many, sql, params))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _hop(self, many: bool, sql: str, params: Any) -> _Outcome:
        conn: Any = self._connection  # aiosqlite.Connection: _execute/_conn are its own
        async with self._adapt_connection._execute_mutex:
            return await conn._execute(_run, conn._conn, many, sql, params)  # type: ignore[no-any-return]

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._go(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        self._go(True, operation, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        return None  # nothing open: the rows were fetched with the statement

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


def read_here(connection: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    """A short read run on the calling (event loop) thread, not aiosqlite's.

    On aiosqlite's thread, sqlite3 takes the GIL back for every row it steps through, and
    a busy event loop holds the GIL for up to the switch interval (5 ms) each time: the
    Reserve bench's availability read (~100 rows, 0.2 ms of work) took 3-10 ms there, with
    the loop idle in between waiting for it. For reads only: in WAL mode a read takes no
    lock and waits for none, so it cannot stall the loop behind another writer. Callers
    keep them small (a batch's keys), and use a connection no other task is using, as
    every pooled connection is."""
    cursor = connection._conn.execute(sql, params)  # aiosqlite.Connection's sqlite3 one
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()


def rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """The pool's reset when a connection comes back: ROLLBACK only if a transaction is
    still open (asked of sqlite3 directly, no hand-off). Not when the pool is closing the
    connection anyway, nor outside the event loop (garbage collection), where SQLAlchemy
    does no I/O either."""
    if state.terminate_only or not state.asyncio_safe:
        return
    if dbapi_connection._connection.in_transaction:
        dbapi_connection.rollback()


def install(dbapi_connection: Any) -> None:
    """Make a freshly opened aiosqlite connection use OneHopCursor."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
