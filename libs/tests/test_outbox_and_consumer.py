"""The outbox relay and the inbox consumer against a real NATS server and both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from sqlmodel import col, func, select

from chainkit import events
from chainkit.errors import Conflict
from chainkit.nats import ensure_stream
from chainkit.outbox import OutboxMessage, OutboxRelay
from chainkit.uow import InboxMessage, SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore_dev.testing import NatsServer


async def _emit(sessions: Any, commit: bool, sku: str = "A") -> str:
    event = events.envelope("orders.created", SkuQty(sku=sku, qty=1), source="orders")
    async with SqlUnitOfWork(sessions) as uow:
        uow.emit(event)
        if commit:
            await uow.commit()
    return event.event_id


async def test_relay_publishes_committed_events_once_and_never_rolled_back_ones(
    sessions: Any, nc: Client
) -> None:
    js = nc.jetstream()
    kept = await _emit(sessions, commit=True)
    await _emit(sessions, commit=False)
    relay = OutboxRelay(sessions.kw["bind"], nc)
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0
    # A relay that crashed after publishing but before marking sent publishes again:
    # the stream's duplicate window drops the copy.
    async with sessions() as s, s.begin():
        row = (await s.execute(select(OutboxMessage))).scalar_one()
        row.sent_at = None
    assert await relay.publish_pending() == 1
    info = await js.stream_info("ORDERS")
    assert info.state.messages == 1
    msg = await js.get_last_msg("ORDERS", "chainstore.orders.created")
    assert events.parse(msg.data).event_id == kept


async def test_relay_keeps_events_while_nats_is_down(
    sessions: Any, nats_server: NatsServer
) -> None:
    nc = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    js = nc.jetstream()
    await ensure_stream(js, "ORDERS")
    nats_server.stop()
    await _emit(sessions, commit=True)
    relay = OutboxRelay(sessions.kw["bind"], nc)
    with pytest.raises(Exception):  # noqa: B017, PT011 - any transport error will do
        await relay.publish_pending()
    async with sessions() as s:
        unsent = await s.execute(select(func.count()).where(col(OutboxMessage.sent_at).is_(None)))
        assert unsent.scalar_one() == 1
    nats_server.start()
    for _ in range(100):
        if nc.is_connected:
            break
        await asyncio.sleep(0.1)
    assert await relay.publish_pending() == 1
    await nc.close()


async def test_consumer_handles_each_event_once_and_terminates_refused_ones(
    sessions: Any, nc: Client, orders_consumer: Any
) -> None:
    js = nc.jetstream()
    seen: list[str] = []

    async def handler(uow: SqlUnitOfWork, env: Any) -> None:
        payload = events.unpack(env, SkuQty)
        if payload.sku == "BAD":
            raise Conflict("refused")
        async with uow:
            seen.append(payload.sku)
            await uow.commit()

    consumer = orders_consumer(js, "test-consumer", handler)
    task = asyncio.create_task(consumer.run())
    first = events.envelope("orders.created", SkuQty(sku="A", qty=1), source="orders")
    bad = events.envelope("orders.created", SkuQty(sku="BAD", qty=1), source="orders")
    # The same event twice, bypassing the dedup window (a redelivery after a lost ack).
    await js.publish(first.subject, first.data)
    await js.publish(first.subject, first.data)
    await js.publish(bad.subject, bad.data)
    await js.publish("chainstore.orders.created", b"not an envelope")
    for _ in range(200):
        await asyncio.sleep(0.05)
        try:
            info = await js.consumer_info("ORDERS", "test-consumer")
        except NotFoundError:  # the consumer task has not provisioned it yet
            continue
        if info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.stream_seq >= 4:
            break
    task.cancel()
    assert seen == ["A"]
    async with sessions() as s:
        handled = (await s.execute(select(InboxMessage))).scalars().all()
        assert [h.event_id for h in handled] == [first.event_id]
