"""Every part of a library chainkit relies on that is not its public API (docs/private-apis.md):
still there, and checked against exactly the installed version. An upgrade fails here first,
so that someone re-reads the list against the new version before changing the pins below."""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from pathlib import Path

import aiosqlite
import asyncpg.prepared_stmt
import grpc
import pytest
from nats.js.api import PubAck
from opentelemetry.instrumentation import asyncpg as otel_asyncpg
from opentelemetry.instrumentation import sqlalchemy as otel_sqlalchemy
from opentelemetry.instrumentation.utils import unwrap
from sqlalchemy import Integer, column, insert, table
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import concurrency

from chainkit.sqlite_driver import OneHopConnection, OneHopCursor

# The versions docs/private-apis.md was checked against. Change one only after re-checking
# every entry of its library there (and saying so in the page).
CHECKED = {
    "SQLAlchemy": "2.1.9",
    "aiosqlite": "0.22.1",
    "asyncpg": "0.32.0",
    "nats-py": "2.16.0",
    "grpcio": "1.85.1",
    "opentelemetry-instrumentation-sqlalchemy": "0.66b1",
    "opentelemetry-instrumentation-asyncpg": "0.66b1",
    # tests/test_import_contracts.py drives import-linter's internals.
    "import-linter": "2.17",
    "grimp": "3.20",
}
LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"


@pytest.mark.parametrize(("dist", "version"), sorted(CHECKED.items()))
def test_the_installed_and_locked_versions_are_the_ones_checked(dist: str, version: str) -> None:
    hint = f"{dist} changed: re-check its entries in docs/private-apis.md, then update CHECKED"
    assert metadata.version(dist) == version, hint
    locked = re.search(rf"^{re.escape(dist)}==(\S+)$", LOCK.read_text(), re.M | re.I)
    assert locked is not None and locked.group(1) == version, hint


def test_sqlalchemy_aiosqlite_adapter_internals_the_one_hop_cursor_takes_over() -> None:
    # OneHopCursor sets the base cursor's slots itself, without calling its __init__.
    assert set(AsyncAdapt_dbapi_cursor.__slots__) == {
        "_adapt_connection",
        "_connection",
        "_cursor",
        "_rows",
        "_soft_closed_memoized",
    }
    assert inspect.iscoroutinefunction(AsyncAdapt_dbapi_cursor._async_soft_close)
    assert issubclass(OneHopCursor, AsyncAdapt_dbapi_cursor)
    assert "_execute_mutex" in AsyncAdapt_dbapi_connection.__slots__
    assert callable(AsyncAdapt_dbapi_connection._handle_exception)
    assert "_connection" in AsyncAdapt_dbapi_connection.__annotations__
    # install() swaps a live connection's class: the layouts must be the same.
    assert AsyncAdapt_aiosqlite_connection.__slots__ == () == OneHopConnection.__slots__
    assert AsyncAdapt_aiosqlite_connection._cursor_cls.__name__ == "AsyncAdapt_aiosqlite_cursor"
    assert callable(concurrency.await_)


def test_aiosqlite_internals_run_on_its_thread() -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn"), property)
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "in_transaction"), property)


def test_sqlalchemy_bind_processors_and_compiled_positions() -> None:
    assert callable(TypeEngine._cached_bind_processor)
    t = table("t", column("a", Integer), column("b", Integer))
    compiled = insert(t).inline().compile(dialect=sqlite.dialect(), column_keys=["b", "a"])
    assert sorted(compiled.positiontup or []) == ["a", "b"]


def test_sqlalchemy_asyncpg_adapter_lazy_begin() -> None:
    assert "_transaction" in AsyncAdapt_asyncpg_connection.__slots__
    assert inspect.iscoroutinefunction(AsyncAdapt_asyncpg_connection._start_transaction)


def test_grpc_call_details_are_a_named_tuple() -> None:
    details = grpc.aio.ClientCallDetails("/m", None, None, None, None)
    assert details._replace(timeout=1.0).timeout == 1.0


def test_what_the_tracing_instrumentations_wrap_and_call() -> None:
    sqlalchemy_source = inspect.getsource(otel_sqlalchemy)
    assert 'unwrap(Engine, "connect")' in sqlalchemy_source
    assert "create_async_engine" in sqlalchemy_source
    asyncpg_source = inspect.getsource(otel_asyncpg)
    # chainkit.tracing._InsideTracer stands in for the tracer: only this method is called.
    assert set(re.findall(r"self\._tracer\.(\w+)", asyncpg_source)) == {"start_as_current_span"}
    # chainkit.tracing unwraps these again (SQLAlchemy's statements have their own span).
    wrapped = set(otel_asyncpg._PREPARED_STMT_METHODS)
    assert {"fetch", "fetchval", "fetchrow", "executemany", "fetchmany"} <= wrapped
    assert all(hasattr(asyncpg.prepared_stmt.PreparedStatement, m) for m in wrapped)
    assert callable(unwrap)


def test_the_pub_ack_fields_the_publisher_fills() -> None:
    ack = PubAck(stream="S", seq=1, domain=None, duplicate=True)
    assert (ack.stream, ack.seq, ack.duplicate) == ("S", 1, True)
