"""Alembic, driven from code: each service keeps its migrations in services/<svc>/migrations.

`upgrade(url, folder)` is what services run at start-up in development and what tests run
on a fresh database; a service's `env.py` is just `run_env()`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from chainkit.db import create_engine, is_sqlite


def alembic_config(url: str, folder: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, folder: Path, revision: str = "head") -> None:
    """Blocking; call through `asyncio.to_thread` from async code."""
    command.upgrade(alembic_config(url, folder), revision)


def downgrade(url: str, folder: Path, revision: str = "base") -> None:
    command.downgrade(alembic_config(url, folder), revision)


async def upgrade_async(url: str, folder: Path) -> None:
    if is_sqlite(url):
        # Creates the data folder before Alembic opens the file.
        await create_engine(url).dispose()
    await asyncio.to_thread(upgrade, url, folder)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_env() -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.attributes.get("url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL (or call chainkit.migrations.upgrade)")
    asyncio.run(_run_async(url))
