"""How far behind the relay is: unsent rows and the age of the oldest (metrics, ops API)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit.clock import utcnow
from chainkit.outbox.rows import OUTBOX

# Unsent rows are few and sent_at is indexed: a cheap read, no write lock.
_BACKLOG = select(func.count(), func.min(OUTBOX.c.created_at)).where(OUTBOX.c.sent_at.is_(None))


async def read_backlog(engine: AsyncEngine) -> tuple[int, float]:
    """Unsent events, and the age in seconds of the oldest of them (0 when none)."""
    async with engine.connect() as conn:
        count, oldest = (await conn.execute(_BACKLOG)).one()
    return int(count), seconds_since(oldest, utcnow())


def seconds_since(then: datetime | None, now: datetime) -> float:
    """Seconds from `then` (naive means UTC, as SQLite hands it back) to `now`; 0 for None."""
    if then is None:
        return 0.0
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max((now - then).total_seconds(), 0.0)
