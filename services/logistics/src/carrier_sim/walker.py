"""The background loop: walk parcels one scan per pace; push scans of push-mode carriers,
and let the aggregator push the traces of the waybills subscribed with it.

Pushes are signed like a real carrier's webhook (`X-Chainstore-Signature: sha256=<hex>`
over the raw body) and retried with a capped backoff until the receiver takes them, so a
gateway restart loses nothing. Each parcel's unpushed scans go in one body, in order.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from carrier_sim.aggregator import Aggregator
from carrier_sim.config import SimSettings
from carrier_sim.parcels import Parcel, ParcelBook

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Chainstore-Signature"
MAX_BACKOFF_S = 30.0
PUSH_CONCURRENCY = 8


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class Walker:
    def __init__(
        self,
        settings: SimSettings,
        book: ParcelBook,
        http: httpx.AsyncClient,
        aggregator: Aggregator,
    ) -> None:
        self._settings = settings
        self._book = book
        self._http = http
        self._aggregator = aggregator
        self._secret = settings.secret.encode()
        self._tick = max(0.02, min(settings.pace_s / 4, 0.5))
        self._gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def run(self) -> None:
        while True:
            try:
                await self.tick(time.monotonic())
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop every parcel in the simulator
                log.exception("carrier simulator tick failed")
            await asyncio.sleep(self._tick)

    async def tick(self, now: float) -> None:
        due: list[Parcel] = []
        settings = self._settings
        for parcel in self._book.parcels():
            if not parcel.walked and now >= parcel.next_step_at:
                scan = parcel.take_step(now, settings.pace_s)
                log.info("scan %s %s %s", parcel.profile.code, parcel.waybill_no, scan.code)
            if now >= parcel.push_due_at and parcel.unpushed:
                due.append(parcel)
            elif (
                parcel.walked
                and not parcel.pending_push
                and parcel.finished_at is None
                and not self._aggregator.pending(parcel.profile.code, parcel.waybill_no)
            ):
                parcel.finished_at = now
        self._aggregator.schedule(now)
        await asyncio.gather(
            *(self._push(p) for p in due),
            self._aggregator.push_due(self._http, now, self._gate),
        )
        self._book.forget_finished(now - settings.retain_s)

    async def _push(self, parcel: Parcel) -> None:
        batch = list(parcel.unpushed)
        ids = parcel.profile.gives_event_ids
        doc: dict[str, Any] = {"events": [s.as_json(with_event_id=ids) for s in batch]}
        body = json.dumps(doc, separators=(",", ":")).encode()
        url = f"{self._settings.webhook_base.rstrip('/')}/v1/carriers/{parcel.profile.code}/events"
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self._secret, body)}
        async with self._gate:
            try:
                response = await self._http.post(url, content=body, headers=headers)
                ok = response.is_success
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as e:
                ok, reason = False, repr(e)
        if ok:
            # Scans taken while the push was in flight stay queued for the next one.
            del parcel.unpushed[: len(batch)]
            parcel.push_attempts = 0
            return
        parcel.push_attempts += 1
        backoff = min(0.25 * 2 ** (parcel.push_attempts - 1), MAX_BACKOFF_S)
        parcel.push_due_at = time.monotonic() + backoff
        log.warning("push of %s failed (%s); retry in %.1fs", parcel.waybill_no, reason, backoff)
