"""Moving-window budgets kept in this process, for the per-request limits when no shared
store is configured.

The same rule as the `limits` library's moving window (at most `amount` requests in any
`period`; a refused request is not counted), without its in-memory storage's cost: that
storage hands every key to a worker thread to expire old entries, scheduled on nearly every
request. Here each key keeps the times of its counted requests, oldest first, and drops the
expired ones when it is next hit; keys left idle are swept once a minute.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from limits import RateLimitItem

SWEEP_EVERY_S = 60.0


class LocalMovingWindow:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # key → (period in seconds, times of the requests counted within the last period)
        self._windows: dict[tuple[str, ...], tuple[float, deque[float]]] = {}
        self._next_sweep = clock() + SWEEP_EVERY_S

    def hit(self, item: RateLimitItem, *key: str) -> float | None:
        """Count one request for `key` under `item`: None if it fits, else the seconds
        until it would (and it is not counted)."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        full_key = (str(item.amount), str(item.get_expiry()), *key)
        window = self._windows.get(full_key)
        if window is None:
            window = self._windows[full_key] = (float(item.get_expiry()), deque())
        period, times = window
        cutoff = now - period
        while times and times[0] <= cutoff:
            times.popleft()
        if len(times) < item.amount:
            times.append(now)
            return None
        return times[0] + period - now

    def _sweep(self, now: float) -> None:
        idle = [
            key
            for key, (period, times) in self._windows.items()
            if not times or times[-1] <= now - period
        ]
        for key in idle:
            del self._windows[key]
        self._next_sweep = now + SWEEP_EVERY_S

    def __len__(self) -> int:
        return len(self._windows)
