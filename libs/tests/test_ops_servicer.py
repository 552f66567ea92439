"""The operations API over a real gRPC server, a real NATS and both databases: outbox
status, consumers, and dead letters listed, shown and replayed by the consumer that gave up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from nats.aio.client import Client

from chainkit import events
from chainkit.errors import Conflict
from chainkit.grpc_server import create_server
from chainkit.ops_servicer import SERVICE_NAME, OpsServicer
from chainkit.outbox import OutboxRelay
from chainkit.uow import SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.ops.v1 import ops_pb2 as pb
from chainstore.ops.v1 import ops_pb2_grpc

DURABLE = "ops-test"


@contextlib.asynccontextmanager
async def serving(servicer: OpsServicer) -> AsyncIterator[ops_pb2_grpc.OpsServiceStub]:
    server, port, _ = await create_server([servicer.register], [SERVICE_NAME])
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield ops_pb2_grpc.OpsServiceStub(channel)
    finally:
        await channel.close()
        await server.stop(None)


async def test_outbox_status_counts_unsent_events_and_the_relays_mode(
    sessions: Any, nc: Client
) -> None:
    for sku in ("A", "B"):
        async with SqlUnitOfWork(sessions) as uow:
            uow.emit(events.envelope("orders.created", SkuQty(sku=sku, qty=1), source="t"))
            await uow.commit()
    await asyncio.sleep(0.2)
    relay = OutboxRelay(sessions.kw["bind"], nc)
    servicer = OpsServicer("orders", sessions.kw["bind"], relay, nc.jetstream(), {})
    async with serving(servicer) as ops:
        before = await ops.GetOutboxStatus(pb.GetOutboxStatusRequest())
        assert (before.service, before.unsent, before.relay_mode) == ("orders", 2, "table")
        assert 0.2 <= before.oldest_unsent_age_s < 60
        while await relay.step():  # catch up from the table, then publish from memory
            pass
        after = await ops.GetOutboxStatus(pb.GetOutboxStatusRequest())
        assert (after.unsent, after.oldest_unsent_age_s, after.relay_mode) == (0, 0.0, "memory")


async def test_dead_letters_are_listed_shown_and_replayed_by_their_own_service_only(
    sessions: Any, nc: Client, orders_consumer: Any
) -> None:
    js = nc.jetstream()
    refusing = True

    async def handler(uow: SqlUnitOfWork, env: Any) -> None:
        if refusing:
            raise Conflict("not yet")
        async with uow:
            await uow.commit()

    consumer = orders_consumer(js, DURABLE, handler)
    relay = OutboxRelay(sessions.kw["bind"], nc)
    ours = OpsServicer("orders", sessions.kw["bind"], relay, js, {DURABLE: consumer})
    theirs = OpsServicer("inventory", sessions.kw["bind"], relay, js, {})
    task = asyncio.create_task(consumer.run())
    event = events.envelope("orders.created", SkuQty(sku="A", qty=1), source="t")
    try:
        async with serving(ours) as ops, serving(theirs) as other:
            await js.publish(event.subject, event.data)
            for _ in range(100):
                listed = (await ops.ListDeadLetters(pb.ListDeadLettersRequest())).dead_letters
                if listed:
                    break
                await asyncio.sleep(0.05)
            (dead,) = listed
            assert (dead.durable, dead.event_id, dead.reason) == (
                DURABLE,
                event.event_id,
                "refused: Conflict: not yet",
            )
            assert dead.data == b""  # the list leaves the events out; Get has them
            got = (await ops.GetDeadLetter(pb.GetDeadLetterRequest(seq=dead.seq))).dead_letter
            assert got.data == event.data and got.stream == "ORDERS"
            assert not (await other.ListDeadLetters(pb.ListDeadLettersRequest())).dead_letters
            with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
                await other.GetDeadLetter(pb.GetDeadLetterRequest(seq=dead.seq))
            assert not_theirs.value.code() == grpc.StatusCode.NOT_FOUND
            assert f"consumer {DURABLE!r}" in (not_theirs.value.details() or "")

            consumers = (await ops.ListConsumers(pb.ListConsumersRequest())).consumers
            (mine,) = [c for c in consumers if c.durable == DURABLE]
            assert (mine.stream, mine.last_delivered_seq, mine.ack_pending) == ("ORDERS", 1, 0)

            with pytest.raises(grpc.aio.AioRpcError) as again:
                await ops.ReplayDeadLetter(pb.ReplayDeadLetterRequest(seq=dead.seq))
            assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "failed again, kept" in (again.value.details() or "")
            assert (await ops.ListDeadLetters(pb.ListDeadLettersRequest())).dead_letters

            refusing = False
            replayed = await ops.ReplayDeadLetter(pb.ReplayDeadLetterRequest(seq=dead.seq))
            assert replayed.handled and replayed.dead_letter.event_id == event.event_id
            assert not (await ops.ListDeadLetters(pb.ListDeadLettersRequest())).dead_letters
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await ops.ReplayDeadLetter(pb.ReplayDeadLetterRequest(seq=dead.seq))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        task.cancel()
