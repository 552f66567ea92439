"""In-memory fan-out: one feed consumer per process hands each event to every connected
client allowed to see it. Each client has a bounded buffer; one that falls behind is
dropped (it resumes by cursor) instead of slowing the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from gateway.feed.model import KIND_ORDER, KIND_STOCK, FeedEvent
from gateway.feed.scope import FeedScope

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, scope: FeedScope, capacity: int) -> None:
        self.scope = scope
        self.queue: asyncio.Queue[FeedEvent] = asyncio.Queue(capacity)
        self.dropped = False  # fell behind: the reader stops at its next event

    def offer(self, event: FeedEvent) -> bool:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped = True
            return False
        return True


class FeedHub:
    """Subscriptions indexed by what they follow, so an event reaches its few readers
    without testing every connected client."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self.epoch = 0  # the feed stream's creation time (see feed.cursor)
        self.position = 0  # sequence of the last event handed out
        self.first_seq = 1  # oldest sequence the stream still holds
        self.ready = asyncio.Event()
        self.dropped_total = 0
        self._everything: set[Subscription] = set()
        self._by_store: dict[str, set[Subscription]] = {}
        self._by_location: dict[str, set[Subscription]] = {}
        self._by_customer: dict[str, set[Subscription]] = {}

    @property
    def connected(self) -> int:
        return (
            len(self._everything)
            + sum(len(s) for s in self._by_store.values())
            + sum(len(s) for s in self._by_customer.values())
        )

    def _indexes(self, sub: Subscription) -> Iterable[set[Subscription]]:
        scope = sub.scope
        if scope.role == "customer":
            yield self._by_customer.setdefault(scope.customer_id or "", set())
        elif scope.store_id is None:
            yield self._everything
        else:
            yield self._by_store.setdefault(scope.store_id, set())
            if scope.location_id:
                yield self._by_location.setdefault(scope.location_id, set())

    def subscribe(self, scope: FeedScope) -> Subscription:
        sub = Subscription(scope, self.capacity)
        for index in self._indexes(sub):
            index.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        for index in self._indexes(sub):
            index.discard(sub)

    def start(self, epoch: int, position: int, first_seq: int) -> None:
        """Where the consumer starts: events after `position` will be published."""
        self.epoch, self.position, self.first_seq = epoch, position, first_seq
        self.ready.set()

    def publish(self, seq: int, event: FeedEvent | None) -> None:
        """Called for every sequence of the stream, in order (None: nothing to show)."""
        self.position = seq
        if event is None:
            return
        for sub in self._readers(event):
            if sub.scope.allows(event) and not sub.offer(event):
                self.unsubscribe(sub)
                self.dropped_total += 1
                log.info("feed client too slow: dropped (it resumes by cursor)")

    def _readers(self, event: FeedEvent) -> list[Subscription]:
        readers = list(self._everything)
        if event.kind == KIND_ORDER:
            readers.extend(self._by_store.get(event.store_id, ()))
            readers.extend(self._by_customer.get(event.customer_id, ()))
        elif event.kind == KIND_STOCK:
            readers.extend(self._by_location.get(event.location_id, ()))
        return readers
