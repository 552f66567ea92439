"""The hub's fan-out and one client's stream (resume, reset, drop) with a fake history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from gateway.feed.cursor import Cursor
from gateway.feed.hub import FeedHub
from gateway.feed.live import LiveFeed, StreamSpan
from gateway.feed.model import FeedEvent
from gateway.feed.scope import FeedScope

EPOCH = 1_796_000_000


def ev(seq: int, store: str = "S001", customer: str = "C-A") -> FeedEvent:
    return FeedEvent(
        seq=seq,
        type="order.created",
        at=datetime(2026, 12, 4, tzinfo=UTC),
        kind="order",
        store_id=store,
        customer_id=customer,
        fields={"order_no": f"N{seq}", "total": 1},
    )


class FakeHistory:
    """What the FEED stream holds: a dict of sequence → event (None: not for screens)."""

    def __init__(self, held: dict[int, FeedEvent | None], first_seq: int = 1) -> None:
        self.held = held
        self.first_seq = first_seq

    async def span(self) -> StreamSpan:
        return StreamSpan(EPOCH, self.first_seq, max(self.held, default=0))

    async def replay(self, after: int, until: int) -> AsyncIterator[FeedEvent | None]:
        for seq in sorted(self.held):
            if after < seq <= until:
                yield self.held[seq]


async def frames(stream: AsyncIterator[bytes], count: int) -> list[str]:
    out = []
    async for chunk in stream:
        text = chunk.decode()
        if text.startswith("retry:"):
            continue
        out.append(text)
        if len(out) == count:
            break
    return out


def ids(got: list[str]) -> list[str]:
    return [
        line.split(": ", 1)[1] for f in got for line in f.splitlines() if line.startswith("id:")
    ]


async def test_resume_replays_what_was_missed_then_follows_live_without_repeats() -> None:
    history = FakeHistory({1: ev(1), 2: ev(2, store="S002"), 3: None, 4: ev(4)})
    hub = FeedHub()
    hub.start(EPOCH, 4, 1)
    live = LiveFeed(hub, history, heartbeat_s=5)
    scope = FeedScope("store", store_id="S001", location_id="LOC-S001")
    stream = live.stream(scope, Cursor(EPOCH, 1), "en")
    reader = asyncio.create_task(frames(stream, 2))
    await asyncio.sleep(0.01)
    hub.publish(4, ev(4))  # arrives live too, but was replayed already: not sent twice
    hub.publish(5, ev(5))
    got = await reader
    assert ids(got) == [Cursor(EPOCH, 4).encode(), Cursor(EPOCH, 5).encode()]
    assert hub.connected == 1
    await stream.aclose()
    assert hub.connected == 0


async def test_a_cursor_past_retention_or_from_another_stream_gets_a_reset() -> None:
    hub = FeedHub()
    hub.start(EPOCH, 50, 40)
    live = LiveFeed(hub, FakeHistory({50: ev(50)}, first_seq=40), heartbeat_s=5)
    for stale in (Cursor(EPOCH, 10), Cursor(EPOCH - 1, 45)):
        got = await frames(live.stream(FeedScope("hq"), stale, "zh-CN"), 1)
        assert "event: reset" in got[0] and f"id: {Cursor(EPOCH, 50).encode()}" in got[0]


async def test_quiet_feeds_send_heartbeats_that_move_the_cursor() -> None:
    hub = FeedHub()
    hub.start(EPOCH, 9, 1)
    live = LiveFeed(hub, FakeHistory({}), heartbeat_s=0.05)
    got = await frames(live.stream(FeedScope("customer", customer_id="C-B"), None, "en"), 1)
    assert got[0].startswith(": keep-alive") and f"id: {Cursor(EPOCH, 9).encode()}" in got[0]


async def test_a_client_that_falls_behind_is_dropped_and_the_others_are_not() -> None:
    hub = FeedHub(capacity=10)
    hub.start(EPOCH, 0, 1)
    slow = hub.subscribe(FeedScope("hq"))
    fast = hub.subscribe(FeedScope("hq"))
    for seq in range(1, 30):
        hub.publish(seq, ev(seq))
        if not fast.queue.empty():
            fast.queue.get_nowait()  # the fast reader keeps up
    assert slow.dropped and not fast.dropped
    assert hub.dropped_total == 1 and hub.connected == 1


async def test_events_reach_only_the_indexed_readers() -> None:
    hub = FeedHub()
    hub.start(EPOCH, 0, 1)
    s1 = hub.subscribe(FeedScope("store", store_id="S001", location_id="L1"))
    s2 = hub.subscribe(FeedScope("store", store_id="S002", location_id="L2"))
    alice = hub.subscribe(FeedScope("customer", customer_id="C-A"))
    bob = hub.subscribe(FeedScope("customer", customer_id="C-B"))
    hub.publish(1, ev(1, store="S001", customer="C-A"))
    hub.publish(2, None)  # a sequence no screen shows still moves the position
    assert [s.queue.qsize() for s in (s1, s2, alice, bob)] == [1, 0, 1, 0]
    assert hub.position == 2
