"""The relay's hot path: events handed over at commit are published from memory, in commit
order, and marked sent in bulk; the table takes over after a failure, at start, and for rows
no relay holds (a replica that died between commit and publish). Real NATS, both databases."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from sqlmodel import col, func, select

from chainkit import events
from chainkit.db import create_engine
from chainkit.jetstream_publish import Outgoing, PipelinedPublisher
from chainkit.outbox import Mode, OutboxMessage, OutboxRelay
from chainkit.traced_publish import publish_traced
from chainkit.uow import EventsCommitted, SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore_dev.testing import NatsServer


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[None]:
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def commit_event(sessions: Any, sku: str, notify: EventsCommitted | None) -> str:
    event = events.envelope("orders.created", SkuQty(sku=sku, qty=1), source="orders")
    async with SqlUnitOfWork(sessions, notify) as uow:
        uow.emit(event)
        await uow.commit()
    return event.event_id


async def published_ids(js: JetStreamContext) -> list[str]:
    """Every event id in the stream, in stream order."""
    info = await js.stream_info("ORDERS")
    if not info.state.messages:
        return []
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg("ORDERS", seq)
        out.append(events.parse(msg.data).event_id)
    return out


async def unsent(sessions: Any) -> int:
    async with sessions() as s:
        count = select(func.count()).where(col(OutboxMessage.sent_at).is_(None))
        return int((await s.execute(count)).scalar_one())


def published_from(source: str) -> float:
    value = REGISTRY.get_sample_value("outbox_events_published_total", {"source": source})
    return value or 0.0


def from_memory() -> float | None:
    return REGISTRY.get_sample_value("outbox_relay_from_memory")


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{check} still false after {seconds} s")


async def test_committed_events_go_out_from_memory_in_order_and_are_marked_sent(
    sessions: Any, nc: Client
) -> None:
    js = nc.jetstream()
    # A long grace: a row is published early only if its commit handed it over.
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=0.1, grace=3600)
    async with running(relay):
        await eventually(lambda: _is(relay.from_memory))
        assert from_memory() == 1
        before = published_from("memory")
        sent = [await commit_event(sessions, f"S{i}", relay.committed) for i in range(5)]
        orphan = await commit_event(sessions, "ORPHAN", None)  # committed, never handed over

        async def all_marked() -> bool:
            return await unsent(sessions) == 1  # the orphan only

        await eventually(all_marked)
        await asyncio.sleep(0.3)  # several polls: the orphan is younger than the grace
        assert await published_ids(js) == sent
    assert orphan not in await published_ids(js)
    assert published_from("memory") - before == 5


async def test_a_row_nobody_holds_is_published_once_it_is_older_than_the_grace(
    sessions: Any, nc: Client
) -> None:
    js = nc.jetstream()
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=0.1, grace=0.5)
    async with running(relay):
        await eventually(lambda: _is(relay.from_memory))
        orphan = await commit_event(sessions, "ORPHAN", None)  # as a replica that died

        async def published() -> bool:
            return await published_ids(js) == [orphan]

        await eventually(published)
        await eventually(lambda: _unsent_is(sessions, 0))


async def test_after_nats_comes_back_every_event_goes_out_once_in_commit_order(
    sessions: Any, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=0.1, ack_timeout=0.5)
    async with running(relay):
        before = await commit_event(sessions, "BEFORE", relay.committed)
        await eventually(lambda: _unsent_is(sessions, 0))
        nats_server.stop()
        during = [await commit_event(sessions, f"D{i}", relay.committed) for i in range(3)]
        await asyncio.sleep(1.0)  # publishing fails; the relay falls back to the table
        assert from_memory() == 0
        from_table = published_from("table")
        nats_server.start()
        await eventually(lambda: _is(nc.is_connected))
        after = await commit_event(sessions, "AFTER", relay.committed)
        await eventually(lambda: _unsent_is(sessions, 0), seconds=20)
        assert from_memory() == 1
    assert await published_ids(js) == [before, *during, after]
    assert published_from("table") - from_table >= len(during)


async def test_a_relay_stopping_marks_what_it_published(sessions: Any, nc: Client) -> None:
    js = nc.jetstream()
    # Marks would wait a minute: stopping must not leave them to be published again.
    relay = OutboxRelay(sessions.kw["bind"], nc, mark_interval=60, poll_interval=60)
    async with running(relay):
        await eventually(lambda: _is(relay.from_memory))
        sent = await commit_event(sessions, "S", relay.committed)

        async def published() -> bool:
            return await published_ids(js) == [sent]

        await eventually(published)
        assert await unsent(sessions) == 1
    assert await unsent(sessions) == 0


async def _is(value: bool) -> bool:
    return value


async def _unsent_is(sessions: Any, n: int) -> bool:
    return await unsent(sessions) == n


async def test_a_relay_that_cannot_reach_its_database_backs_off(
    nc: Client, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'gone.db'}")
    relay = OutboxRelay(engine, nc, poll_interval=0.2, mark_interval=0.01)
    # As if it had published from memory and the database went away before the marks.
    relay._mode = Mode.FROM_MEMORY
    relay._unmarked = [("published-not-marked", None)]
    async with running(relay):
        await asyncio.sleep(1.0)
    failures = [r for r in caplog.records if "outbox relay failed" in r.getMessage()]
    assert 1 <= len(failures) <= 8  # one try per poll interval, not a busy loop
    await engine.dispose()


async def test_the_callers_answers_leave_before_the_relay_publishes_their_events(
    sessions: Any, nc: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[str] = []

    async def recorded(*args: Any, **kwargs: Any) -> Any:
        log.append("published")
        return await publish_traced(*args, **kwargs)

    monkeypatch.setattr("chainkit.outbox.relay.publish_traced", recorded)
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=60)
    async with running(relay):
        await eventually(lambda: _is(relay.from_memory))
        settled = asyncio.get_running_loop().create_future()

        async def caller() -> None:  # an RPC's task, resumed through its batch's result
            await asyncio.gather(settled)
            log.append("answered")

        task = asyncio.create_task(caller())

        def settle(committed: Any) -> None:  # as a batch does right after its COMMIT
            relay.committed(committed)
            settled.set_result(None)

        await commit_event(sessions, "S", settle)
        await task
        await eventually(lambda: _is("published" in log))
    assert log == ["answered", "published"]


async def test_a_row_the_stream_has_already_is_marked_sent_and_counted_as_a_duplicate(
    sessions: Any, nc: Client
) -> None:
    js = nc.jetstream()
    event_id = await commit_event(sessions, "S", None)
    async with sessions() as s:
        row = (await s.execute(select(OutboxMessage))).scalar_one()
    # As if a relay had published it and died before marking it sent.
    await PipelinedPublisher(nc).publish([Outgoing(row.subject, row.data, event_id)])
    relay = OutboxRelay(sessions.kw["bind"], nc)
    before = _duplicates_counted()
    assert await relay.publish_pending() == 1
    assert relay.duplicates == 1
    assert _duplicates_counted() == before + 1
    assert await unsent(sessions) == 0
    assert await published_ids(js) == [event_id]


def _duplicates_counted() -> float:
    found = REGISTRY.get_sample_value("outbox_events_duplicate_total", {"source": "table"})
    return found or 0.0
