"""The in-process per-request budget: a moving window (not a fixed one), refused requests not
counted, keys independent, idle keys swept."""

from __future__ import annotations

import random
import time
from typing import Any

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from gateway.api.local_window import SWEEP_EVERY_S, LocalMovingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def at(self, offset_s: float) -> Clock:
        self.now = 1000.0 + offset_s
        return self


def test_the_window_moves_with_each_request() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    two = parse("2/10 seconds")

    assert window.hit(two, "token", "t") is None
    clock.at(6)
    assert window.hit(two, "token", "t") is None
    clock.at(9)
    assert window.hit(two, "token", "t") == 1.0  # the first one leaves the window at 10
    clock.at(10.5)
    assert window.hit(two, "token", "t") is None  # a fixed window would have reset at 10 too
    clock.at(11)
    assert window.hit(two, "token", "t") == 5.0  # ... but here the one at 6 is still in


def test_a_refused_request_is_not_counted() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    one = parse("1/minute")
    assert window.hit(one, "addr", "a") is None
    for offset in (1, 2, 3):
        clock.at(offset)
        assert window.hit(one, "addr", "a") == 60 - offset
    clock.at(60)
    assert window.hit(one, "addr", "a") is None


def test_keys_and_limits_are_independent() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    one = parse("1/minute")
    assert window.hit(one, "addr", "a") is None
    assert window.hit(one, "addr", "b") is None
    assert window.hit(one, "token", "a") is None
    assert window.hit(parse("2/minute"), "addr", "a") is None
    assert window.hit(one, "addr", "a") is not None


def test_idle_keys_are_swept() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    for n in range(100):
        window.hit(parse("5/second"), "addr", str(n))
    window.hit(parse("5/hour"), "addr", "slow")
    assert len(window) == 101
    clock.at(SWEEP_EVERY_S + 1)
    window.hit(parse("5/second"), "addr", "new")
    assert len(window) == 2  # "slow" is still within its hour


async def test_it_decides_as_the_limits_librarys_moving_window(monkeypatch: Any) -> None:
    """The same random requests through both: the same answers, request by request."""
    clock = Clock()
    monkeypatch.setattr(time, "time", clock)  # what `limits` reads
    reference = MovingWindowRateLimiter(storage_from_string("async+memory://"))
    window = LocalMovingWindow(clock)
    item = parse("5/10 seconds")
    rng = random.Random(16)
    for _ in range(400):
        clock.now += rng.expovariate(1.0)
        key = rng.choice(("a", "b"))
        ours = window.hit(item, "addr", key) is None
        assert ours == await reference.hit(item, "addr", key), clock.now
