"""The background loop that releases held reservations past their deadline."""

from __future__ import annotations

import asyncio
import logging

from inventory.service_layer.deps import Deps
from inventory.service_layer.expiry import BATCH, release_expired

log = logging.getLogger(__name__)


async def sweep_expired_forever(deps: Deps, interval_s: float) -> None:
    """Every `interval_s` (at once again while a full batch came back) until cancelled.

    A failed round (database briefly down) is logged and retried next round: the overdue
    holds are still in the database, so nothing is lost by waiting.
    """
    while True:
        try:
            released = await release_expired(deps)
            if released:
                log.info("released %d expired reservations", released)
        except Exception:
            log.exception("expiry sweep failed; retrying in %.1fs", interval_s)
            released = 0
        if released < BATCH:
            await asyncio.sleep(interval_s)
