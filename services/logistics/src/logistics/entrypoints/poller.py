"""Background loops: ask poll-mode carriers about due parcels; sweep for stalled ones."""

from __future__ import annotations

import asyncio
import logging

from logistics.service_layer import polling, stalls
from logistics.service_layer.deps import Deps

log = logging.getLogger(__name__)


async def run_poller(deps: Deps, interval_s: float) -> None:
    """Claim and poll due parcels; when none were due, wait a fraction of the base interval
    (cadences are multiples of it, the fastest a quarter)."""
    backoff = polling.Backoff()
    idle_s = max(0.05, interval_s / 4)
    while True:
        busy = False
        try:
            done = await polling.poll_due(deps, backoff)
            busy = done.polled + done.failed > 0 and not done.rate_limited
        except asyncio.CancelledError:
            raise
        except Exception:  # DB busy or a bug: log loudly, keep the loop alive
            log.exception("carrier polling round failed")
        if not busy:
            await asyncio.sleep(idle_s)


async def run_stall_sweeper(deps: Deps, interval_s: float) -> None:
    while True:
        try:
            found = await stalls.sweep(deps)
            if found.flagged or found.gaps_opened or found.gaps_closed:
                log.info(
                    "stall sweep: %d flagged, push gaps opened %s closed %s",
                    len(found.flagged),
                    found.gaps_opened,
                    found.gaps_closed,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("stall sweep failed")
        await asyncio.sleep(interval_s)
