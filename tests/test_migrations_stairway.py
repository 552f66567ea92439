"""Every service's migrations walk up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from chainkit.db import create_engine
from chainkit.migrations import downgrade, upgrade

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["inventory", "orders", "logistics", "gateway"]


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


@pytest.mark.parametrize("service", SERVICES)
async def test_stairway(service: str, database_url: str) -> None:
    folder = ROOT / "services" / service / "migrations"
    await asyncio.to_thread(upgrade, database_url, folder)
    created = await _tables(database_url)
    assert created, f"{service} migrations created no tables"
    if service != "gateway":
        assert {"outbox", "inbox"} <= created
    await asyncio.to_thread(downgrade, database_url, folder)
    assert await _tables(database_url) == set()
    await asyncio.to_thread(upgrade, database_url, folder)
    assert await _tables(database_url) == created
