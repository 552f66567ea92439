"""FreshFor: values answered for a bounded time, then read again."""

from __future__ import annotations

from chainkit.fresh import FreshFor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_answered_until_its_bound_then_forgotten() -> None:
    clock = Clock()
    kept: FreshFor[str, int] = FreshFor(2.0, clock=clock)
    kept.put("a", 1)
    clock.now += 1.9
    assert kept.get("a") == 1
    clock.now += 0.1
    assert kept.get("a") is None
    kept.put("a", 2)
    kept.forget("a")
    assert kept.get("a") is None


def test_zero_keeps_nothing_and_a_full_cache_drops_its_oldest_half() -> None:
    nothing: FreshFor[str, int] = FreshFor(0)
    nothing.put("a", 1)
    assert nothing.get("a") is None
    small: FreshFor[int, int] = FreshFor(60, max_entries=4)
    for i in range(5):
        small.put(i, i)
    assert [small.get(i) for i in range(5)] == [None, None, 2, 3, 4]
