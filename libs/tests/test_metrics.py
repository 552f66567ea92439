"""chainkit's metrics move with what happens: RPCs by method and status code on both sides,
a consumer's outcomes, redeliveries and lag, the outbox backlog and its age."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from nats.aio.client import Client
from prometheus_client import REGISTRY
from sqlmodel import select

from chainkit import deadlines, events
from chainkit.errors import Conflict, NotFound, Retryable
from chainkit.grpc_client import open_channel
from chainkit.grpc_server import create_server
from chainkit.metrics_refresh import consumers_probe, outbox_probe
from chainkit.nats import ensure_consumer
from chainkit.outbox import OutboxMessage, seconds_since
from chainkit.uow import SqlUnitOfWork
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc

INVENTORY = "chainstore.inventory.v1.InventoryService"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Servicer(inventory_pb2_grpc.InventoryServiceServicer):
    async def GetProduct(
        self, request: inventory_pb2.GetProductRequest, context: grpc.aio.ServicerContext
    ) -> inventory_pb2.Product:
        if request.sku == "secret":  # a servicer that aborts with a code of its own
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "not yours")
        if request.sku == "slow":
            await asyncio.sleep(5)
        if request.sku == "late":  # its work gave up waiting (a batch, say)
            raise deadlines.DeadlineExceeded("batch gave up")
        if request.sku != "TEA-1":
            raise NotFound(f"no product {request.sku}")
        return inventory_pb2.Product(sku="TEA-1")


async def test_rpcs_are_counted_by_method_and_code_on_both_sides() -> None:
    server, port, _health = await create_server(
        [lambda s: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(Servicer(), s)],
        [INVENTORY],
    )
    # Every method of a served service has its series before any call.
    listed = {"grpc_service": INVENTORY, "grpc_method": "ListProducts", "grpc_code": "OK"}
    assert REGISTRY.get_sample_value("grpc_server_handled_total", listed) is not None
    method = {"grpc_service": INVENTORY, "grpc_method": "GetProduct"}
    codes = ("OK", "NOT_FOUND", "PERMISSION_DENIED", "DEADLINE_EXCEEDED")
    before = {
        (side, code): value(f"grpc_{side}_handled_total", **method, grpc_code=code)
        for side in ("server", "client")
        for code in codes
    }
    timed = value("grpc_client_handling_seconds_count", **method)
    channel = open_channel(f"127.0.0.1:{port}")
    try:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        await stub.GetProduct(inventory_pb2.GetProductRequest(sku="TEA-1"), timeout=5)
        for sku in ("NOPE-1", "NOPE-2", "secret"):
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.GetProduct(inventory_pb2.GetProductRequest(sku=sku), timeout=5)
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await stub.GetProduct(inventory_pb2.GetProductRequest(sku="slow"), timeout=0.2)
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await channel.close()
        await server.stop(None)
    moved = {
        key: value(f"grpc_{key[0]}_handled_total", **method, grpc_code=key[1]) - before[key]
        for key in before
    }
    assert moved == {
        ("server", "OK"): 1,
        ("server", "NOT_FOUND"): 2,
        ("server", "PERMISSION_DENIED"): 1,
        ("server", "DEADLINE_EXCEEDED"): 0,  # the server saw it cancelled, not late
        ("client", "OK"): 1,
        ("client", "NOT_FOUND"): 2,
        ("client", "PERMISSION_DENIED"): 1,
        ("client", "DEADLINE_EXCEEDED"): 1,
    }
    assert value("grpc_client_handling_seconds_count", **method) - timed == 5


async def test_work_that_gave_up_waiting_ends_the_call_deadline_exceeded_not_internal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, port, _health = await create_server(
        [lambda s: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(Servicer(), s)],
        [INVENTORY],
    )
    late = {"grpc_service": INVENTORY, "grpc_method": "GetProduct"}
    before = value("grpc_server_handled_total", **late, grpc_code="DEADLINE_EXCEEDED")
    channel = open_channel(f"127.0.0.1:{port}")
    try:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await stub.GetProduct(inventory_pb2.GetProductRequest(sku="late"), timeout=5)
        assert failed.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await channel.close()
        await server.stop(None)
    assert value("grpc_server_handled_total", **late, grpc_code="DEADLINE_EXCEEDED") - before == 1
    assert not [r for r in caplog.records if "unhandled error" in r.getMessage()]


async def test_a_consumer_counts_outcomes_and_redeliveries_and_reports_its_lag(
    nc: Client, orders_consumer: Any
) -> None:
    js = nc.jetstream()
    failed_once: set[str] = set()

    async def handler(uow: SqlUnitOfWork, env: Any) -> None:
        sku = events.unpack(env, SkuQty).sku
        if sku == "BAD":
            raise Conflict("refused")
        if sku == "FLAKY" and sku not in failed_once:
            failed_once.add(sku)
            raise Retryable("try again")
        async with uow:
            await uow.commit()

    durable = "metrics-consumer"
    consumer = orders_consumer(js, durable, handler)
    await ensure_consumer(js, "ORDERS", durable, ["chainstore.orders.created"])
    outcomes = ("handled", "duplicate", "retried", "dead_lettered")
    before = {o: value("events_handled_total", durable=durable, outcome=o) for o in outcomes}
    redelivered = value("nats_consumer_redelivered_total", stream="ORDERS", durable=durable)
    timed = value("event_handling_seconds_count", durable=durable)
    ok, flaky, bad = (
        events.envelope("orders.created", SkuQty(sku=s, qty=1), source="orders")
        for s in ("A", "FLAKY", "BAD")
    )
    for event in (ok, ok, flaky, bad):  # `ok` twice: as a redelivery after a lost ack
        await js.publish(event.subject, event.data)
    lag = {"stream": "ORDERS", "durable": durable}
    await consumers_probe(js)()
    assert value("nats_consumer_pending_messages", **lag) == 4

    def moved() -> dict[str, float]:
        return {
            o: value("events_handled_total", durable=durable, outcome=o) - before[o]
            for o in outcomes
        }

    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(200):  # five outcomes: A, A again, FLAKY twice, BAD
            await asyncio.sleep(0.05)
            if sum(moved().values()) >= 5:
                break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert moved() == {"handled": 2, "duplicate": 1, "retried": 1, "dead_lettered": 1}
    assert value("nats_consumer_redelivered_total", **lag) - redelivered == 1  # FLAKY again
    assert value("event_handling_seconds_count", durable=durable) - timed == 5  # one per outcome
    await consumers_probe(js)()
    assert value("nats_consumer_pending_messages", **lag) == 0
    assert value("nats_consumer_ack_pending_messages", **lag) == 0


async def test_the_outbox_backlog_and_its_oldest_age_come_from_unsent_rows(sessions: Any) -> None:
    probe = outbox_probe(sessions.kw["bind"])
    await probe()
    assert value("outbox_backlog_events") == 0
    assert value("outbox_oldest_unsent_age_seconds") == 0
    async with SqlUnitOfWork(sessions) as uow:
        for sku in ("A", "B", "C"):
            uow.emit(events.envelope("orders.created", SkuQty(sku=sku, qty=1), source="orders"))
        await uow.commit()
    async with sessions() as s, s.begin():  # one of them written a minute ago
        rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
        rows[0].created_at = datetime.now(UTC) - timedelta(seconds=60)
        rows[1].sent_at = datetime.now(UTC)
    await probe()
    assert value("outbox_backlog_events") == 2
    assert 59 <= value("outbox_oldest_unsent_age_seconds") < 120


def test_seconds_since_reads_naive_times_as_utc() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert seconds_since(datetime(2026, 1, 1, 11, 59), now) == 60
    assert seconds_since(datetime(2026, 1, 1, 11, 59, tzinfo=UTC), now) == 60
    assert seconds_since(None, now) == 0
