"""Every `chainstore` command against the real suite (its processes, NATS, databases), its
--json output checked for content; and a poison event from NATS to the dead-letter stream,
through the CLI and out again."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import nats
import pytest
from google.protobuf import timestamp_pb2

from chainkit import events
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2 as inv
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore.orders.v1 import events_pb2 as order_events
from chainstore.orders.v1 import orders_pb2 as opb
from chainstore.orders.v1 import orders_pb2_grpc
from chainstore_dev.devstack import Stack
from chainstore_dev.testing.infra import free_port

from .conftest import Cli, SignIn

pytestmark = pytest.mark.e2e
ANALYTICS = "orders-analytics"


def _inventory(stack: Stack) -> inventory_pb2_grpc.InventoryServiceStub:
    channel = grpc.insecure_channel(f"127.0.0.1:{stack.ports.inventory}")
    return inventory_pb2_grpc.InventoryServiceStub(channel)


def _orders(stack: Stack) -> orders_pb2_grpc.OrdersServiceStub:
    return orders_pb2_grpc.OrdersServiceStub(
        grpc.insecure_channel(f"127.0.0.1:{stack.ports.orders}")
    )


def _place_order(stack: Stack, sign_in: SignIn) -> dict[str, Any]:
    token = sign_in("alice", "alice-demo-pass").json()["access_token"]
    body = {
        "store_id": "S001",
        "customer_id": "C-ALICE",
        "channel": "online",
        "lines": [{"sku": "TEA-001", "qty": 1}],
        "shipping_address": {
            "name": "Alice Wang",
            "phone": "13800000000",
            "region": "east",
            "city": "Shanghai",
            "line1": "1 Century Ave",
        },
    }
    created = httpx.post(
        f"{stack.gateway_url}/v1/orders",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=15,
    )
    assert created.status_code == 201, created.text
    order: dict[str, Any] = created.json()
    return order


def test_stock_levels_by_location(cli: Cli) -> None:
    everything = cli("stock", "levels", "--json").json()
    locations = {row["location_id"] for row in everything}
    assert {"WH-EAST", "WH-NORTH"} <= locations
    tea = [r for r in everything if r["sku"] == "TEA-001" and r["location_id"] == "WH-EAST"]
    assert len(tea) == 1 and tea[0]["on_hand"] > 0
    assert tea[0]["available"] == tea[0]["on_hand"] - tea[0]["reserved"]

    east = cli("stock", "levels", "--location", "WH-EAST", "--json").json()
    assert east and {row["location_id"] for row in east} == {"WH-EAST"}
    assert sorted(r["sku"] for r in east) == sorted(
        r["sku"] for r in everything if r["location_id"] == "WH-EAST"
    )

    shown = cli("stock", "levels", "--location", "WH-EAST")
    assert shown.exit_code == 0 and "TEA-001" in shown.stdout and "WH-EAST" in shown.stdout


def test_low_stock_by_location(cli: Cli, stack: Stack) -> None:
    _inventory(stack).SetThreshold(
        inv.SetThresholdRequest(location_id="WH-NORTH", sku="TEA-001", low_stock_threshold=10**6)
    )
    low = cli("stock", "low", "--location", "WH-NORTH", "--json").json()
    rows = [r for r in low if r["level"]["sku"] == "TEA-001"]
    assert len(rows) == 1
    assert rows[0]["level"]["low_stock"] is True
    assert rows[0]["level"]["low_stock_threshold"] == 10**6
    assert {r["level"]["location_id"] for r in low} == {"WH-NORTH"}
    assert "TEA-001" in cli("stock", "low", "--location", "WH-NORTH").stdout


def test_order_show_with_its_timeline(cli: Cli, stack: Stack, sign_in: SignIn) -> None:
    placed = _place_order(stack, sign_in)
    shown = cli("order", "show", placed["order_no"], "--json").json()
    assert shown["order_id"] == placed["order_id"]
    assert shown["order_no"] == placed["order_no"]
    assert shown["status"] == "ORDER_STATUS_PENDING_PAYMENT"
    assert [(x["sku"], x["qty"]) for x in shown["lines"]] == [("TEA-001", 1)]
    assert [t["action"] for t in shown["timeline"]] == ["created"]

    table = cli("order", "show", placed["order_no"])
    assert table.exit_code == 0
    assert "Timeline" in table.stdout and "created" in table.stdout

    missing = cli("order", "show", "NO-SUCH-ORDER", "--json")
    assert missing.exit_code == 2 and "orders: NOT_FOUND" in missing.stderr


def test_reconcile_finds_and_repairs_an_orphaned_hold(cli: Cli, stack: Stack) -> None:
    clean = cli("reconcile", "--grace-s", "0", "--json").json()
    assert clean["clean"] is True
    assert clean["inventory"]["clean"] is True and clean["inventory"]["drifts"] == []
    assert clean["reservations"]["orphans"] == []

    # Inventory holds units for an "order" orders never heard of.
    orphan = f"orphan-{uuid.uuid4()}"
    expires = timestamp_pb2.Timestamp()
    expires.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    _inventory(stack).Reserve(
        inv.ReserveRequest(
            reservation_id=orphan,
            lines=[SkuQty(sku="TEA-001", qty=1)],
            region="east",
            expires_at=expires,
        )
    )
    found = cli("reconcile", "--grace-s", "0", "--json")
    assert found.exit_code == 1  # drift found and left
    report = json.loads(found.stdout)
    assert report["clean"] is False
    assert [
        (o["reservation_id"], o["order_status"], o["released"])
        for o in report["reservations"]["orphans"]
    ] == [(orphan, "missing", False)]
    # Younger than the service's grace period: not looked at yet.
    assert cli("reconcile", "--json").json()["reservations"]["orphans"] == []

    repaired = cli("reconcile", "--repair", "--grace-s", "0", "--json").json()
    assert repaired["reservations"]["released"] == 1
    assert repaired["reservations"]["orphans"][0]["released"] is True
    assert cli("reconcile", "--grace-s", "0", "--json").json()["clean"] is True
    assert "holds checked" in cli("reconcile", "--grace-s", "0").stdout


def test_outbox_of_every_service(cli: Cli) -> None:
    deadline = time.monotonic() + 20
    while True:
        statuses = cli("outbox", "--json").json()
        if all(s["unsent"] == 0 for s in statuses) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert [s["service"] for s in statuses] == ["orders", "inventory", "logistics"]
    assert all(s["unsent"] == 0 and s["oldest_unsent_age_s"] == 0 for s in statuses)
    assert {s["relay_mode"] for s in statuses} == {"memory"}


def test_consumers_on_every_stream(cli: Cli, stack: Stack) -> None:
    # An event the analytics consumer handles (a cancellation with nothing to refund).
    cancelled = events.envelope(
        "orders.cancelled", order_events.OrderCancelled(refunded=False), source="test"
    )
    asyncio.run(_publish(stack, cancelled.subject, cancelled.data, {}))
    seq = asyncio.run(_stream_seq_of(stack, "ORDERS", cancelled.subject))
    deadline = time.monotonic() + 20
    while True:
        consumers = cli("consumers", "--json").json()
        by_name = {(c["stream"], c["durable"]): c for c in consumers}
        analytics = by_name[("ORDERS", ANALYTICS)]
        done = analytics["last_delivered_seq"] >= seq and analytics["ack_pending"] == 0
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert ("LOGISTICS", "orders-logistics") in by_name
    assert analytics["last_delivered_seq"] == seq
    assert (analytics["pending"], analytics["ack_pending"], analytics["redelivered"]) == (0, 0, 0)
    last_active = datetime.fromisoformat(analytics["last_active"])
    assert abs((datetime.now(UTC) - last_active).total_seconds()) < 60
    # Only logistics can answer: orders (the default) is pointed at nothing.
    nowhere = ("--orders", f"127.0.0.1:{free_port()}")
    # The same consumers (their counts may have moved on since).
    via_logistics = cli("consumers", "--service", "logistics", "--json", before=nowhere).json()
    assert {(c["stream"], c["durable"]) for c in via_logistics} == set(by_name)
    assert ANALYTICS in cli("consumers").stdout


async def _stream_seq_of(stack: Stack, stream: str, subject: str) -> int:
    assert stack.nats_url
    nc = await nats.connect(stack.nats_url)
    try:
        last = await nc.jetstream().get_last_msg(stream, subject)
        return int(last.seq or 0)
    finally:
        await nc.close()


async def _publish(stack: Stack, subject: str, data: bytes, headers: dict[str, str]) -> None:
    assert stack.nats_url
    nc = await nats.connect(stack.nats_url)
    try:
        await nc.jetstream().publish(subject, data, headers=headers or None)
    finally:
        await nc.close()


def _wait_for_dead_letter(cli: Cli, event_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for d in cli("dead-letters", "list", "--json").json():
            if d["event_id"] == event_id:
                return dict(d)
        time.sleep(0.3)
    raise AssertionError(f"event {event_id} never became a dead letter")


def test_a_poison_event_is_kept_listed_shown_and_not_replayed_while_still_poison(
    cli: Cli, stack: Stack
) -> None:
    # orders.paid whose payload is no OrderPaid: the analytics consumer refuses it.
    poison = events.envelope("orders.paid", SkuQty(sku="X", qty=1), source="test")
    asyncio.run(_publish(stack, poison.subject, poison.data, {}))
    listed = _wait_for_dead_letter(cli, poison.event_id)
    assert listed["service"] == "orders" and listed["durable"] == ANALYTICS
    assert listed["event_type"] == "orders.paid" and listed["subject"] == poison.subject
    assert listed["stream"] == "ORDERS" and listed["deliveries"] == 1
    assert listed["reason"] == (
        "refused: UnexpectedPayload: orders.paid: payload is "
        "type.googleapis.com/chainstore.common.v1.SkuQty, not OrderPaid"
    )
    seq = str(listed["seq"])

    shown = cli("dead-letters", "show", seq, "--json").json()
    assert shown["reason"] == listed["reason"] and shown["durable"] == ANALYTICS
    assert shown["event"]["event_id"] == poison.event_id
    assert shown["event"]["payload"] == {
        "@type": "type.googleapis.com/chainstore.common.v1.SkuQty",
        "sku": "X",
        "qty": "1",
    }
    assert "UnexpectedPayload" in cli("dead-letters", "show", seq).stdout

    # Still poison: the replay fails as the first try did, and the dead letter stays.
    again = cli("dead-letters", "replay", seq, "--json")
    assert again.exit_code == 1
    failed = json.loads(again.stdout)
    assert failed["replayed"] is False and "UnexpectedPayload" in failed["error"]
    assert any(d["seq"] == listed["seq"] for d in cli("dead-letters", "list", "--json").json())


def test_a_dead_letter_whose_cause_was_fixed_is_replayed_once_and_leaves(
    cli: Cli, stack: Stack
) -> None:
    """A paid order's event the analytics consumer gave up on (its cause since fixed): put
    in the dead-letter stream as the consumer would, replayed by the CLI, counted once."""
    summary = opb.GetAnalyticsSummaryRequest()
    before = _orders(stack).GetAnalyticsSummary(summary).revenue_today
    paid_at = timestamp_pb2.Timestamp()
    paid_at.GetCurrentTime()
    order = opb.Order(
        order_id=f"dl-{uuid.uuid4()}",
        store_id="S001",
        channel=opb.CHANNEL_ONLINE,
        status=opb.ORDER_STATUS_PAID,
        lines=[opb.OrderLine(sku="TEA-001", name="Tea", category="tea", qty=1, amount=777)],
        total=777,
        currency="CNY",
        paid_at=paid_at,
    )
    event = events.envelope("orders.paid", order_events.OrderPaid(order=order), source="test")
    headers = {
        "Chainstore-Dead-Subject": event.subject,
        "Chainstore-Dead-Stream": "ORDERS",
        "Chainstore-Dead-Stream-Seq": "1",
        "Chainstore-Dead-Durable": ANALYTICS,
        "Chainstore-Dead-Deliveries": "8",
        "Chainstore-Dead-Reason": "failed 8 times: OperationalError: database is locked",
        "Chainstore-Dead-At": datetime.now(UTC).isoformat(),
        "Chainstore-Dead-Event-Id": event.event_id,
        "Chainstore-Dead-Event-Type": "orders.paid",
    }
    asyncio.run(_publish(stack, f"deadletter.{ANALYTICS}", event.data, headers))
    seq = str(_wait_for_dead_letter(cli, event.event_id)["seq"])

    replayed = cli("dead-letters", "replay", seq, "--json").json()
    assert replayed["replayed"] is True and replayed["handled"] is True
    assert replayed["service"] == "orders"
    assert _orders(stack).GetAnalyticsSummary(summary).revenue_today == before + 777
    assert all(
        d["event_id"] != event.event_id for d in cli("dead-letters", "list", "--json").json()
    )
    gone = cli("dead-letters", "show", seq)
    assert gone.exit_code == 2 and f"no dead letter {seq}" in gone.stderr
    # Every service answers NOT_FOUND for it now.
    gone_replay = cli("dead-letters", "replay", seq)
    assert gone_replay.exit_code == 2 and f"no dead letter {seq}" in gone_replay.stderr


def test_users_are_created_through_the_gateway(cli: Cli, stack: Stack, sign_in: SignIn) -> None:
    name = f"clerk{uuid.uuid4().hex[:8]}"
    hq = ("--user", "hq", "--password", stack.hq_password)
    args = ("users", "create", name, "--role", "store", "--store-id", "S001")
    created = cli(*args, "--new-password", "clerk-pass-123", "--json", before=hq).json()
    assert (created["username"], created["role"], created["store_id"]) == (name, "store", "S001")
    assert sign_in(name, "clerk-pass-123").status_code == 200

    twice = cli(*args, "--new-password", "clerk-pass-123", "--json", before=hq)
    assert twice.exit_code == 2 and "409" in twice.stderr
    unsigned = cli(*args, "--new-password", "clerk-pass-123")
    assert unsigned.exit_code == 2 and "--token" in unsigned.stderr
    wrong = cli(*args, "--new-password", "x" * 10, before=("--user", "hq", "--password", "nope"))
    assert wrong.exit_code == 2 and "sign-in as 'hq' refused: 401" in wrong.stderr


def test_an_unreachable_service_is_named(cli: Cli) -> None:
    port = free_port()
    ran = cli("stock", "levels", "--json", before=("--inventory", f"127.0.0.1:{port}"))
    assert ran.exit_code == 2
    assert f"inventory unreachable at 127.0.0.1:{port}" in ran.stderr
    ran = cli("outbox", before=("--logistics", f"127.0.0.1:{port}", "--timeout", "2"))
    assert ran.exit_code == 2 and f"logistics unreachable at 127.0.0.1:{port}" in ran.stderr


def test_the_installed_command_reads_its_addresses_from_the_environment(stack: Stack) -> None:
    p = stack.ports
    env = {
        **os.environ,
        "CHAINSTORE_ORDERS_ADDR": f"127.0.0.1:{p.orders}",
        "CHAINSTORE_INVENTORY_ADDR": f"127.0.0.1:{p.inventory}",
        "CHAINSTORE_LOGISTICS_ADDR": f"127.0.0.1:{p.logistics}",
    }
    command = Path(sys.executable).parent / "chainstore"
    ran = subprocess.run(
        [str(command), "outbox", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert [s["service"] for s in json.loads(ran.stdout)] == [
        "orders",
        "inventory",
        "logistics",
    ]
