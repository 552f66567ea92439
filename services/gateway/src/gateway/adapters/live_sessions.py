"""Which sign-in sessions are live, without a database read on every request.

A session found active is taken as active for `recheck_s` more seconds (counted from before
the read), then read again. Concurrent checks of one session share one read. Ending a
session on this replica forgets it at once, reads already under way included, so the next
request here is refused; another replica refuses it within `recheck_s`. Ended, expired or
unknown sessions are never remembered: they are refused after a fresh read every time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

# How stale "active" may be on a replica that did not end the session (docs/performance.md).
RECHECK_S = 1.0


class LiveSessions:
    def __init__(
        self,
        is_active: Callable[[str], Awaitable[float | None]],
        *,
        recheck_s: float = RECHECK_S,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`is_active(sid)`: the session's end (a POSIX timestamp) if it is active now,
        None if it has ended or does not exist."""
        self._is_active = is_active
        self._recheck_s = recheck_s
        self._max_entries = max_entries
        self._clock = clock
        # sid → (monotonic time to read again, the session's end as a POSIX timestamp).
        self._active: dict[str, tuple[float, float]] = {}
        self._reading: dict[str, asyncio.Task[bool]] = {}
        self._generation = 0  # bumped by every `forget`: reads begun before it are not kept

    async def active(self, sid: str) -> bool:
        known = self._active.get(sid)
        if known is not None:
            recheck_at, ends_at = known
            if self._clock() < recheck_at and time.time() < ends_at:
                return True
            del self._active[sid]
        reading = self._reading.get(sid)
        if reading is None:
            reading = asyncio.get_running_loop().create_task(self._read(sid))
            self._reading[sid] = reading
            reading.add_done_callback(lambda task: self._read_done(sid, task))
        # Shielded: a caller that gives up does not cancel the read the others wait for.
        return await asyncio.shield(reading)

    async def _read(self, sid: str) -> bool:
        generation = self._generation
        recheck_at = self._clock() + self._recheck_s
        ends_at = await self._is_active(sid)
        if ends_at is None:
            return False
        if generation == self._generation:
            self._active.pop(sid, None)  # re-inserted last: the oldest entries leave first
            self._active[sid] = (recheck_at, ends_at)
            if len(self._active) > self._max_entries:
                del self._active[next(iter(self._active))]
        return True

    def _read_done(self, sid: str, task: asyncio.Task[bool]) -> None:
        if self._reading.get(sid) is task:
            del self._reading[sid]
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have given up

    def forget(self, sid: str) -> None:
        """The session ended here: refuse it from the next check on."""
        self._generation += 1
        self._active.pop(sid, None)
        self._reading.pop(sid, None)

    def forget_all(self) -> None:
        self._generation += 1
        self._active.clear()
        self._reading.clear()


def posix(at: datetime) -> float:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()
