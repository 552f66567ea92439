"""Dead letters: when a consumer gives up, and what it keeps (a real NATS, both databases)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlmodel import select

from chainkit import consumer as consumer_module
from chainkit import deadletter, events
from chainkit.errors import Conflict, InvalidArgument, NotFound, Retryable, Unavailable
from chainkit.nats import MAX_DELIVER, ensure_dead_letter_stream
from chainkit.uow import InboxMessage, SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty

# --- the decision, pure --------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [Conflict("no"), NotFound("gone"), InvalidArgument("bad"), events.UnexpectedPayload("x")],
)
def test_a_refusal_is_given_up_at_once_with_its_reason(error: Exception) -> None:
    verdict = deadletter.decide(error, deliveries=1, max_deliveries=MAX_DELIVER)
    assert isinstance(verdict, deadletter.GiveUp)
    assert verdict.reason == f"refused: {type(error).__name__}: {error}"


@pytest.mark.parametrize("error", [Retryable("race"), Unavailable("down"), OSError("io")])
def test_a_transient_failure_is_retried_with_a_growing_bounded_delay(error: Exception) -> None:
    delays = []
    for deliveries in range(1, MAX_DELIVER):
        verdict = deadletter.decide(error, deliveries, MAX_DELIVER)
        assert isinstance(verdict, deadletter.Retry)
        delays.append(verdict.delay_s)
    assert delays == sorted(delays) and delays[0] == 1.0
    assert max(delays) == deadletter.MAX_RETRY_DELAY_S


def test_a_failure_that_keeps_coming_back_is_given_up_after_the_last_delivery() -> None:
    verdict = deadletter.decide(Retryable("race"), MAX_DELIVER, MAX_DELIVER)
    assert verdict == deadletter.GiveUp(f"failed {MAX_DELIVER} times: Retryable: race")


# --- the consumer against a real server ---------------------------------------------------

DURABLE = "dl-test"


async def _dead_letters(js: JetStreamContext, count: int) -> list[deadletter.DeadLetter]:
    for _ in range(200):
        found = await deadletter.list_dead_letters(js, [DURABLE], limit=10)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} dead letters, found {found}")


async def _settled(js: JetStreamContext, delivered: int) -> None:
    for _ in range(200):
        await asyncio.sleep(0.05)
        try:
            info = await js.consumer_info("ORDERS", DURABLE)
        except NotFoundError:
            continue
        idle = info.num_ack_pending == 0 and info.num_pending == 0
        if idle and info.delivered.stream_seq >= delivered:
            return
    raise AssertionError("consumer did not settle")


async def test_refused_and_unreadable_events_are_kept_with_why_and_replayed_once_fixed(
    sessions: Any, nc: Client, orders_consumer: Any
) -> None:
    js = nc.jetstream()
    seen: list[str] = []
    refusing = {"BAD"}

    async def handler(uow: SqlUnitOfWork, env: Any) -> None:
        payload = events.unpack(env, SkuQty)
        if payload.sku in refusing:
            raise Conflict(f"no such sku {payload.sku}")
        async with uow:
            seen.append(payload.sku)
            await uow.commit()

    consumer = orders_consumer(js, DURABLE, handler)
    task = asyncio.create_task(consumer.run())
    try:
        bad = events.envelope("orders.created", SkuQty(sku="BAD", qty=1), source="orders")
        await js.publish(bad.subject, bad.data, headers={"traceparent": "00-abc-def-01"})
        await js.publish("chainstore.orders.created", b"not an envelope")
        await _settled(js, delivered=2)
        # The consumer decides when to give up; the server must never drop an event itself.
        assert (await js.consumer_info("ORDERS", DURABLE)).config.max_deliver == -1
        refused, unreadable = await _dead_letters(js, 2)

        assert refused.durable == DURABLE and refused.reason == (
            "refused: Conflict: no such sku BAD"
        )
        assert (refused.subject, refused.stream, refused.stream_seq) == (bad.subject, "ORDERS", 1)
        assert (refused.event_id, refused.event_type) == (bad.event_id, "orders.created")
        assert refused.deliveries == 1 and refused.dead_at is not None
        assert refused.data == bad.data
        raw = await js.get_msg(deadletter.STREAM, refused.seq)
        assert raw.headers is not None and raw.headers["traceparent"] == "00-abc-def-01"
        assert unreadable.reason.startswith("unreadable envelope")
        assert unreadable.stream_seq == 2 and unreadable.event_id == ""

        # Not fixed yet: the replay fails as the first try did, and nothing is recorded.
        with pytest.raises(Conflict):
            await consumer.replay(refused.data)
        refusing.clear()  # the cause fixed
        assert await consumer.replay(refused.data) is True
        assert await consumer.replay(refused.data) is False  # the inbox knows it now
        assert seen == ["BAD"]
        async with sessions() as s:
            handled = (await s.execute(select(InboxMessage))).scalars().all()
            assert [(h.consumer, h.event_id) for h in handled] == [(DURABLE, bad.event_id)]
    finally:
        task.cancel()


async def test_an_event_is_nakked_not_lost_while_its_dead_letter_cannot_be_stored(
    nc: Client, orders_consumer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "DEAD_LETTER_RETRY_S", 0.2)
    js = nc.jetstream()

    async def refuse(uow: SqlUnitOfWork, env: Any) -> None:
        raise Conflict("never")

    consumer = orders_consumer(js, DURABLE, refuse)
    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(100):  # the consumer provisions the dead-letter stream first
            try:
                await js.stream_info(deadletter.STREAM)
                break
            except NotFoundError:
                await asyncio.sleep(0.05)
        await js.delete_stream(deadletter.STREAM)
        event = events.envelope("orders.created", SkuQty(sku="X", qty=1), source="orders")
        await js.publish(event.subject, event.data)
        for _ in range(100):
            info = await js.consumer_info("ORDERS", DURABLE)
            if info.num_redelivered > 0:
                break
            await asyncio.sleep(0.05)
        assert info.num_redelivered > 0 and info.num_ack_pending == 1  # nakked, still ours

        await js.add_stream(name=deadletter.STREAM, subjects=[deadletter.SUBJECTS])
        (kept,) = await _dead_letters(js, 1)
        assert kept.event_id == event.event_id and kept.deliveries > 1
        await _settled(js, delivered=1)
    finally:
        task.cancel()


async def test_listing_takes_the_oldest_of_the_named_durables(nc: Client) -> None:
    js = nc.jetstream()
    await ensure_dead_letter_stream(js)
    for durable in ("a", "b", "a", "c"):
        headers = {deadletter.H_DURABLE: durable, deadletter.H_REASON: f"why {durable}"}
        await js.publish(deadletter.subject_for(durable), b"x", headers=headers)
    both = await deadletter.list_dead_letters(js, ["b", "a"], limit=2)
    assert [(d.seq, d.durable) for d in both] == [(1, "a"), (2, "b")]
    only_a = await deadletter.list_dead_letters(js, ["a"], limit=10)
    assert [(d.seq, d.reason) for d in only_a] == [(1, "why a"), (3, "why a")]
    assert await deadletter.list_dead_letters(js, ["nobody"], limit=10) == []
    await deadletter.remove(js, 1)
    assert await deadletter.get_dead_letter(js, 1) is None
    assert [d.seq for d in await deadletter.list_dead_letters(js, ["a"], 10)] == [3]
