"""The hand-written migration matches the SQLModel tables, and walks down and up again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import inventory.adapters.tables  # noqa: F401  (registers the tables)
from chainkit.db import create_engine
from chainkit.migrations import downgrade, upgrade
from chainkit.outbox import OutboxMessage
from chainkit.uow import InboxMessage
from inventory.entrypoints.bootstrap import MIGRATIONS

NOW = datetime(2026, 12, 1, tzinfo=UTC)
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


async def test_0005_places_locations_whose_city_names_one_city(database_url: str) -> None:
    """Before: free-text cities. After: codes where the city is recognisable and in the
    location's region; empty codes otherwise; down again: the columns go, the rest stays."""
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS, "0004")
    located = {
        "L-SH": ("华东", "Shanghai"),
        "L-HZ": ("华东", "杭州市"),
        "L-BJ": ("", "北京"),
        "L-ODD": ("华北", "上海"),  # 上海 is in 华东: the text disagrees, left alone
        "L-XX": ("华南", "Springfield"),
    }
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        for location_id, (region, city) in located.items():
            await conn.execute(
                text(
                    "INSERT INTO inv_location (location_id, name, kind, region, city, priority,"
                    " share_online, created_at) VALUES (:id, 'x', 'warehouse', :region, :city,"
                    " 1, :share, :at)"
                ),
                {"id": location_id, "region": region, "city": city, "share": True, "at": NOW},
            )
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS)
    query = (
        "SELECT location_id, region, city, province_code, province, city_code, district_code"
        " FROM inv_location ORDER BY location_id"
    )
    async with engine.connect() as conn:
        rows = {r[0]: tuple(r[1:]) for r in (await conn.execute(text(query))).all()}
    assert rows == {
        "L-BJ": ("华北", "北京", "110000", "北京市", "110100", ""),
        "L-HZ": ("华东", "杭州市", "330000", "浙江省", "330100", ""),
        "L-ODD": ("华北", "上海", "", "", "", ""),
        "L-SH": ("华东", "Shanghai", "310000", "上海市", "310100", ""),
        "L-XX": ("华南", "Springfield", "", "", "", ""),
    }
    await asyncio.to_thread(downgrade, database_url, MIGRATIONS, "0004")
    async with engine.connect() as conn:
        back = (await conn.execute(text("SELECT region, city FROM inv_location"))).all()
    await engine.dispose()
    assert sorted(tuple(r) for r in back) == sorted({**located, "L-BJ": ("华北", "北京")}.values())
