"""Deadlines propagate: a call made to serve an RPC ends by that RPC's deadline, a batch runs
under its callers' latest deadline and each caller waits only until its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from chainkit import deadlines
from chainkit.batching import Batcher
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server

SLOW = "/test.Deadlines/Slow"
RELAY = "/test.Deadlines/Relay"


@dataclass
class Seen:
    slow_remaining: list[float | None] = field(default_factory=list)
    relay_outcome: list[tuple[grpc.StatusCode | None, float]] = field(default_factory=list)


@pytest.fixture
async def servers() -> AsyncIterator[tuple[str, Seen]]:
    """`Slow` answers after 5 s; `Relay` calls `Slow` with a 10 s timeout of its own."""
    seen = Seen()

    async def slow(_request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        seen.slow_remaining.append(context.time_remaining())
        await asyncio.sleep(5)
        return b"late"

    downstream, port, _ = await create_server(
        [lambda s: s.add_generic_rpc_handlers([_handlers({"Slow": slow})])], []
    )
    channel = open_channel(f"127.0.0.1:{port}")

    async def relay(_request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
        started = time.monotonic()
        try:
            await channel.unary_unary(SLOW)(b"", timeout=10)
        except grpc.aio.AioRpcError as e:
            seen.relay_outcome.append((e.code(), time.monotonic() - started))
            raise
        return b"relayed"

    upstream, up_port, _ = await create_server(
        [lambda s: s.add_generic_rpc_handlers([_handlers({"Relay": relay})])], []
    )
    yield f"127.0.0.1:{up_port}", seen
    await channel.close()
    await upstream.stop(None)
    await downstream.stop(None)


def _handlers(methods: dict[str, Any]) -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        "test.Deadlines",
        {name: grpc.unary_unary_rpc_method_handler(fn) for name, fn in methods.items()},
    )


async def test_a_call_made_to_serve_an_rpc_ends_by_that_rpcs_deadline(
    servers: tuple[str, Seen],
) -> None:
    address, seen = servers
    channel = open_channel(address)
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await channel.unary_unary(RELAY)(b"", timeout=0.5)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 1.5
    await channel.close()
    # Downstream was given what was left of the 0.5 s, not Relay's own 10 s (gRPC carries a
    # timeout rounded up to its next unit, so a fast hop can see a hair over 0.5).
    [remaining] = seen.slow_remaining
    assert remaining is not None and remaining <= 0.51
    await asyncio.sleep(0.2)
    # Relay saw its call end with DEADLINE_EXCEEDED (or was itself cancelled at its
    # deadline first, which also ends the call): never 10 s later.
    for code, elapsed in seen.relay_outcome:
        assert code == grpc.StatusCode.DEADLINE_EXCEEDED and elapsed < 1.0


async def test_a_calls_timeout_is_shortened_to_the_deadline_in_force(
    servers: tuple[str, Seen],
) -> None:
    address, _seen = servers
    channel = open_channel(address)
    token = deadlines.set_within(0.3)
    started = time.monotonic()
    try:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await channel.unary_unary(RELAY)(b"", timeout=10)
    finally:
        deadlines.reset(token)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 1.0
    await channel.close()


def test_bounded_and_latest() -> None:
    assert deadlines.bounded(5.0) == 5.0  # no deadline in force
    token = deadlines.set_within(1.0)
    try:
        left = deadlines.bounded(5.0)
        assert left is not None and 0.9 < left <= 1.0
        assert deadlines.bounded(0.1) == 0.1
    finally:
        deadlines.reset(token)
    assert deadlines.latest([1.0, 3.0, 2.0]) == 3.0
    assert deadlines.latest([1.0, None]) is None


async def test_a_batch_runs_until_its_latest_caller_and_each_waits_only_its_own() -> None:
    batch_deadlines: list[float | None] = []

    async def slow_double(items: Sequence[int]) -> list[int | BaseException]:
        batch_deadlines.append(deadlines.current())
        await asyncio.sleep(0.4)
        return [i * 2 for i in items]

    batcher: Batcher[int, int] = Batcher(slow_double)
    # The first call starts a batch alone; the next two share the second one.
    first = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0)

    async def within(seconds: float, n: int) -> tuple[int | str, float]:
        token = deadlines.set_within(seconds)
        started = time.monotonic()
        try:
            return await batcher.submit(n), time.monotonic() - started
        except deadlines.DeadlineExceeded:
            return "gave up", time.monotonic() - started
        finally:
            deadlines.reset(token)

    impatient, patient = await asyncio.gather(within(0.5, 1), within(2.0, 2))
    assert await first == 0
    assert impatient[0] == "gave up" and impatient[1] < 0.7  # its own 0.5 s, not 0.8 s
    assert patient[0] == 4  # the batch went on for the other caller
    shared = batch_deadlines[1]
    assert shared is not None
    assert shared - time.monotonic() > 0.5  # the patient caller's, not the impatient one's


async def test_an_items_own_timeout_is_not_taken_for_the_callers_deadline() -> None:
    async def time_out(items: Sequence[int]) -> list[int | BaseException]:
        return [TimeoutError("the peer's own") for _ in items]

    batcher: Batcher[int, int] = Batcher(time_out)
    token = deadlines.set_within(5.0)
    try:
        with pytest.raises(TimeoutError) as caught:
            await batcher.submit(1)
    finally:
        deadlines.reset(token)
    assert not isinstance(caught.value, deadlines.DeadlineExceeded)
