"""The background loop that releases held reservations past their deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from inventory.service_layer.expiry import BATCH, release_expired
from inventory.service_layer.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def sweep_expired_forever(
    uows: UnitOfWorkFactory,
    interval_s: float,
    clock: Callable[[], datetime] = _utcnow,
) -> None:
    """Every `interval_s` (at once again while a full batch came back) until cancelled.

    A failed round (database briefly down) is logged and retried next round: the overdue
    holds are still in the database, so nothing is lost by waiting.
    """
    while True:
        try:
            released = await release_expired(uows, clock())
            if released:
                log.info("released %d expired reservations", released)
        except Exception:
            log.exception("expiry sweep failed; retrying in %.1fs", interval_s)
            released = 0
        if released < BATCH:
            await asyncio.sleep(interval_s)
