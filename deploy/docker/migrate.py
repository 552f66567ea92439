"""Run one service's Alembic migrations to head, then exit.

Baked into every service image as /app/migrate.py and run by the `migrate` init container of
each Deployment before the server starts (the server itself runs with
<SERVICE>_MIGRATE_ON_START=false). Usage: `python /app/migrate.py inventory`.

It reads the same <SERVICE>_DATABASE_URL the service reads. On PostgreSQL it holds a
session-level advisory lock while migrating, so replicas that start together (a rollout, a
scale-up) migrate one at a time: the first one upgrades, the others wait and then find the
schema already at head. On SQLite (dev) an flock on a file next to the database does the same.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from chainkit.db import create_engine, is_sqlite
from chainkit.migrations import upgrade_async

SERVICES = ("inventory", "orders", "logistics", "gateway")


def lock_key(service: str) -> int:
    """A stable 32-bit advisory-lock key per service (fits PostgreSQL's bigint)."""
    return zlib.crc32(f"chainstore:migrate:{service}".encode())


def migrations_folder(service: str) -> Path:
    # The image keeps each service's source tree at /app/services/<svc> (see its Dockerfile),
    # the same place the service's own code looks for its migrations.
    default = Path("/app/services") / service / "migrations"
    return Path(os.environ.get("CHAINSTORE_MIGRATIONS_DIR", default))


def database_url(service: str) -> str:
    url = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if not url:
        raise SystemExit(f"{service.upper()}_DATABASE_URL is not set")
    return url


@contextmanager
def sqlite_file_lock(url: str) -> Iterator[None]:
    """Serialise migrations of one SQLite file (a no-op for other databases)."""
    database = make_url(url).database if is_sqlite(url) else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(f"{database}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


async def migrate(service: str, url: str, folder: Path) -> None:
    if is_sqlite(url):
        await upgrade_async(url, folder)
        return
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(service)})
            try:
                await upgrade_async(url, folder)
            finally:
                await conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(service)}
                )
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[1] not in SERVICES:
        raise SystemExit(f"usage: migrate.py {{{'|'.join(SERVICES)}}}")
    service = argv[1]
    url = database_url(service)
    folder = migrations_folder(service)
    if not (folder / "env.py").is_file():
        raise SystemExit(f"no Alembic environment at {folder}")
    with sqlite_file_lock(url):
        asyncio.run(migrate(service, url, folder))
    print(f"{service}: database at head", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
