"""Fixtures of chainkit's own tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import SQLModel

from chainkit.db import create_engine, session_factory
from chainkit.outbox import OUTBOX
from chainkit.uow import InboxMessage


@pytest.fixture
async def sessions(database_url: str) -> Any:
    """Sessions on a database holding the outbox and inbox tables (both kinds of database)."""
    engine = create_engine(database_url)
    tables = [OUTBOX, InboxMessage.__table__]  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=tables)
    yield session_factory(engine)
    await engine.dispose()
