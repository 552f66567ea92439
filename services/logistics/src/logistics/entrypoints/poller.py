"""The loop that asks poll-mode carriers for news about parcels still under way."""

from __future__ import annotations

import asyncio
import logging

from logistics.service_layer import tracking
from logistics.service_layer.deps import Deps

log = logging.getLogger(__name__)


async def run_poller(deps: Deps, interval_s: float) -> None:
    """Walk every parcel under way once per interval (page by page), for ever."""
    after_id = ""
    while True:
        try:
            after_id = await tracking.poll_once(deps, after_id=after_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # DB busy or a bug: log loudly, keep the loop alive
            log.exception("carrier polling round failed")
            after_id = ""
        if not after_id:
            await asyncio.sleep(interval_s)
