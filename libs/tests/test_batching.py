"""Group commit: calls that arrive while a batch runs share the next one; outcomes stay
per item; a caller that gives up early is dropped; a failing batch fails only its items."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from chainkit.batching import Batcher, first_of_each


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def run(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await self.gate.wait()
        return [ValueError(f"odd {x}") if x % 2 else x * 10 for x in items]


async def test_calls_queued_behind_a_running_batch_share_the_next_one() -> None:
    rec = Recorder()
    rec.gate.clear()
    batcher: Batcher[int, int] = Batcher(rec.run)
    first = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0)  # the first batch starts alone and waits on the gate
    rest = [asyncio.create_task(batcher.submit(x)) for x in (2, 4, 6)]
    await asyncio.sleep(0)
    rec.gate.set()
    assert await first == 0
    assert [await t for t in rest] == [20, 40, 60]
    assert rec.batches == [[0], [2, 4, 6]]


async def test_each_item_gets_its_own_outcome() -> None:
    batcher: Batcher[int, int] = Batcher(Recorder().run)
    results = await asyncio.gather(*(batcher.submit(x) for x in range(4)), return_exceptions=True)
    assert results[0] == 0 and results[2] == 20
    assert isinstance(results[1], ValueError) and str(results[1]) == "odd 1"
    assert isinstance(results[3], ValueError)


async def test_max_batch_splits_a_long_queue() -> None:
    rec = Recorder()
    batcher: Batcher[int, int] = Batcher(rec.run, max_batch=2)
    await asyncio.gather(*(batcher.submit(x) for x in (0, 2, 4, 6, 8)))
    assert [len(b) for b in rec.batches] == [2, 2, 1]


async def test_a_caller_that_gave_up_before_its_batch_is_left_out() -> None:
    rec = Recorder()
    rec.gate.clear()
    batcher: Batcher[int, int] = Batcher(rec.run)
    running = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0)
    abandoned = asyncio.create_task(batcher.submit(2))
    kept = asyncio.create_task(batcher.submit(4))
    await asyncio.sleep(0)
    abandoned.cancel()
    rec.gate.set()
    assert await running == 0 and await kept == 40
    assert rec.batches == [[0], [4]]


async def test_a_batch_that_fails_whole_fails_its_items_and_the_next_batch_runs() -> None:
    calls = 0

    async def flaky(items: Sequence[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return list(items)

    batcher: Batcher[int, int] = Batcher(flaky)
    with pytest.raises(RuntimeError, match="went away"):
        await batcher.submit(1)
    assert await batcher.submit(2) == 2


async def test_a_batch_answering_the_wrong_number_of_items_is_an_error() -> None:
    async def short(items: Sequence[int]) -> list[int | BaseException]:
        return []

    with pytest.raises(RuntimeError, match="answered 0 of 1"):
        await Batcher(short).submit(1)


async def test_under_load_a_batch_gathers_callers_while_they_keep_arriving() -> None:
    batches: list[list[int]] = []

    async def run(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        await asyncio.sleep(0.1)  # the database's time
        return list(items)

    batcher: Batcher[int, int] = Batcher(run, gather_s=0.2, gather_max_s=30)
    calls = [asyncio.create_task(batcher.submit(x)) for x in (0, 2)]  # a shared batch
    for x in (4, 6, 8, 10):  # then one caller per 100 ms: every gathering step sees some
        await asyncio.sleep(0.05 if x == 4 else 0.1)
        calls.append(asyncio.create_task(batcher.submit(x)))
    await asyncio.gather(*calls)
    assert batches == [[0, 2], [4, 6, 8, 10]]


async def test_a_lone_caller_and_a_stalled_queue_do_not_wait_to_gather() -> None:
    rec = Recorder()
    batcher: Batcher[int, int] = Batcher(rec.run, gather_s=0.2, gather_max_s=30)
    async with asyncio.timeout(5):
        assert await batcher.submit(0) == 0  # after a quiet spell: at once
        await asyncio.gather(batcher.submit(2), batcher.submit(4))
        # Load, but nobody else comes: one step without an arrival ends the gathering.
        assert await batcher.submit(6) == 60


async def test_calls_to_a_peer_may_overlap_up_to_in_flight_batches() -> None:
    rec = Recorder()
    rec.gate.clear()
    batcher: Batcher[int, int] = Batcher(rec.run, in_flight=2)
    first = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0)
    second = asyncio.create_task(batcher.submit(2))  # leaves at once: one batch is out
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    rest = [asyncio.create_task(batcher.submit(x)) for x in (4, 6)]  # two out: these wait
    await asyncio.sleep(0)
    assert rec.batches == [[0], [2]]
    rec.gate.set()
    assert [await t for t in (first, second, *rest)] == [0, 20, 40, 60]
    assert rec.batches == [[0], [2], [4, 6]]


def test_first_of_each_key_now_and_its_repeats_later() -> None:
    items = [("a", 1), ("", 2), ("a", 3), ("b", 4), ("", 5), ("b", 6)]
    first, repeats = first_of_each(items, lambda item: item[0])
    assert first == [("a", 1), ("", 2), ("b", 4), ("", 5)]  # no key: never a repeat
    assert repeats == [("a", 3), ("b", 6)]
