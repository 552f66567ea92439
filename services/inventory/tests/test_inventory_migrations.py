"""The hand-written migration matches the SQLModel tables, and walks down and up again."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import inventory.adapters.tables  # noqa: F401  (registers the tables)
from chainkit.db import create_engine
from chainkit.migrations import downgrade, upgrade
from chainkit.outbox import OutboxMessage
from chainkit.uow import InboxMessage
from inventory.entrypoints.bootstrap import MIGRATIONS

OURS = {
    "inv_location",
    "inv_product",
    "inv_stock_level",
    "inv_reservation",
    "inv_reservation_line",
    "inv_movement",
    "inv_sale",
    "inv_transfer",
    "inv_transfer_line",
    "inv_applied_command",
    OutboxMessage.__tablename__,
    InboxMessage.__tablename__,
}


def _ours() -> MetaData:
    meta = MetaData()
    for name in OURS:
        SQLModel.metadata.tables[name].to_metadata(meta)
    return meta


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, _ours()) if "alembic_version" not in str(d)]


async def _schema_diff(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def test_migration_matches_models_and_round_trips(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    assert await _schema_diff(database_url) == []
    await asyncio.to_thread(downgrade, database_url, MIGRATIONS, "base")
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    assert await _schema_diff(database_url) == []
