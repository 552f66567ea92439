"""Migrated databases for tests without running Alembic for each: a SQLite database is a
copy of a template that the migrations built once per test process; any other database is
migrated as it is (each PostgreSQL test has a database of its own, created empty), and so is
a SQLite file that already exists."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from chainkit.db import is_sqlite
from chainkit.migrations import upgrade_async

Migrate = Callable[[str, Path], Awaitable[None]]


class MigratedDatabases:
    """`await migrate(url, folder)`: the database at `url` at the head of the migrations in
    `folder`, exactly as `chainkit.migrations.upgrade_async` leaves a fresh one."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._templates: dict[Path, Path] = {}

    async def migrate(self, url: str, folder: Path) -> None:
        target = _new_sqlite_file(url)
        if target is None:
            await upgrade_async(url, folder)
            return
        template = self._templates.get(folder) or await self._template(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)

    async def _template(self, folder: Path) -> Path:
        template = self._workdir / f"{len(self._templates)}-{folder.parent.name}.db"
        await upgrade_async(f"sqlite+aiosqlite:///{template}", folder)
        # Everything in the one file before it is copied, should a migration turn on WAL.
        with sqlite3.connect(template) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        self._templates[folder] = template
        return template


def _new_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when there is none there yet; else None."""
    database = make_url(url).database if is_sqlite(url) else None
    if not database or database == ":memory:" or Path(database).exists():
        return None
    return Path(database)
