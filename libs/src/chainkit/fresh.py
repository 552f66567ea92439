"""Values kept for a bounded time: master data read on every hot call (a store's settings,
a product's price) that may be a few seconds stale, and no more."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class FreshFor(Generic[K, V]):
    """A value is answered for `ttl_s` seconds after it was put, then forgotten; `ttl_s` 0
    keeps nothing. At `max_entries` the oldest half is dropped (master data is small)."""

    def __init__(
        self,
        ttl_s: float,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}  # insertion order = age order

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if self._clock() - found[0] >= self.ttl_s:
            del self._entries[key]
            return None
        return found[1]

    def put(self, key: K, value: V) -> None:
        if self.ttl_s <= 0:
            return
        self._entries.pop(key, None)
        if len(self._entries) >= self._max:
            for old in list(self._entries)[: self._max // 2]:
                del self._entries[old]
        self._entries[key] = (self._clock(), value)

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)
