"""The live feed end to end: every process real, two gateway replicas, clients over HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from chainkit import events
from chainstore.orders.v1 import events_pb2, orders_pb2
from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing.infra import free_port
from chainstore_dev.testing.sse import SseListener

ADDRESS = {
    "name": "王小明",
    "phone": "13800000000",
    "region": "east",
    "city": "Shanghai",
    "line1": "世纪大道 1 号",
}
STREAM = "/v1/events/stream"


class Replica:
    """A second gateway process on the same databases and NATS (as a second pod)."""

    def __init__(self, stack: Stack) -> None:
        self.port = free_port()
        env = {**stack.env(), "GATEWAY_PORT": str(self.port), "GATEWAY_MIGRATE_ON_START": "0"}
        log = (stack.log_dir / "gateway2.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("second gateway did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(15)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("feed")
    suite = Stack(
        data_dir=data_dir,
        ports=Ports.free(),
        carrier_pace_s=0.3,
        # Small buffers, so a client that stops reading is dropped quickly.
        extra_env={"GATEWAY_FEED_CLIENT_BUFFER": "100", "GATEWAY_FEED_HEARTBEAT_S": "1"},
    )
    with seeded_stack(suite):
        yield suite


@pytest.fixture(scope="module")
def replica(stack: Stack) -> Iterator[Replica]:
    r = Replica(stack)
    yield r
    r.stop()


def token(base_url: str, username: str, password: str) -> str:
    r = httpx.post(f"{base_url}/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture(scope="module")
def tokens(stack: Stack) -> dict[str, str]:
    users = {
        "hq": stack.hq_password,
        "alice": "alice-demo-pass",
        "bob": "bob-demo-pass",
        "s001": "s001-demo-pass",
        "s002": "s002-demo-pass",
    }
    return {u: token(stack.gateway_url, u, p) for u, p in users.items()}


def listen(base_url: str, bearer: str, **kw: Any) -> SseListener:
    headers = {"Authorization": f"Bearer {bearer}", **kw.pop("headers", {})}
    listener = SseListener(f"{base_url}{STREAM}", headers=headers, **kw)
    assert listener.status == 200, listener.body
    return listener


def place(base_url: str, bearer: str, customer: str, store: str, sku: str = "TEA-001") -> Any:
    r = httpx.post(
        f"{base_url}/v1/orders",
        headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": str(uuid.uuid4())},
        json={
            "store_id": store,
            "customer_id": customer,
            "channel": "online",
            "lines": [{"sku": sku, "qty": 1}],
            "shipping_address": ADDRESS,
        },
        timeout=15,
    )
    assert r.status_code == 201, r.text
    return r.json()


def created(order_no: str) -> Any:
    return lambda e: e.event == "order.created" and e.data["order_no"] == order_no


def test_no_or_bad_token_is_401_problem(stack: Stack) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        r = httpx.get(f"{stack.gateway_url}{STREAM}", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 401


def test_bad_filters_and_cursors_are_refused_clearly(stack: Stack, tokens: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {tokens['hq']}"}
    r = httpx.get(f"{stack.gateway_url}{STREAM}", headers=auth, params={"types": "order.nope"})
    assert r.status_code == 422 and "order.nope" in r.json()["detail"]
    r = httpx.get(f"{stack.gateway_url}{STREAM}", headers=auth, params={"after": "garbage"})
    assert r.status_code == 422
    staff = {"Authorization": f"Bearer {tokens['s001']}"}
    r = httpx.get(f"{stack.gateway_url}{STREAM}", headers=staff, params={"store_id": "S002"})
    assert r.status_code == 403


def test_each_role_sees_exactly_its_own(stack: Stack, tokens: dict[str, str]) -> None:
    gw = stack.gateway_url
    who = ("hq", "s001", "s002", "alice", "bob")
    ls = {u: listen(gw, tokens[u], headers={"Accept-Language": "en"}) for u in who}
    hq_stock = listen(gw, tokens["hq"], params={"types": "stock.*"})
    try:
        a = place(gw, tokens["alice"], "C-ALICE", "S001")
        for u in ("hq", "s001", "alice"):
            seen = ls[u].wait_for(created(a["order_no"]))
            assert seen.data["order_id"] == a["order_id"]
            assert seen.data["store_id"] == "S001" and seen.data["total"] == a["total"]
            assert seen.data["summary"].startswith(f"New order {a['order_no']}")
            assert seen.id
        # A stock alert at S001's location: head office and S001's staff only.
        r = httpx.put(
            f"{gw}/v1/inventory/thresholds",
            headers={"Authorization": f"Bearer {tokens['hq']}"},
            json={"location_id": "LOC-S001", "sku": "TEA-002", "low_stock_threshold": 10_000},
        )
        assert r.status_code == 200, r.text
        low = hq_stock.wait_for(lambda e: e.event == "stock.low" and e.data["sku"] == "TEA-002")
        assert low.data["location_id"] == "LOC-S001" and low.data["threshold"] == 10_000
        ls["s001"].wait_for(lambda e: e.event == "stock.low" and e.data["sku"] == "TEA-002")
        # Bob's order at S002 comes after both in the feed's one order: once it reached bob
        # and S002, anything of Alice's or S001's would have reached them before.
        b = place(gw, tokens["bob"], "C-BOB", "S002")
        for u in ("hq", "s002", "bob"):
            ls[u].wait_for(created(b["order_no"]))
        ls["s001"].wait_for(lambda e: e.event == "stock.low")
        assert all(e.data["store_id"] == "S002" for e in ls["s002"].events if "order_id" in e.data)
        assert not [e for e in ls["s002"].events if e.event.startswith("stock.")]
        assert {e.data["customer_id"] for e in ls["bob"].events} == {"C-BOB"}
        assert {e.data.get("customer_id") for e in ls["alice"].events} == {"C-ALICE"}
        assert not [e for e in ls["alice"].events + ls["bob"].events if "sku" in e.data]
        assert a["order_no"] not in {e.data.get("order_no") for e in ls["s002"].events}
        assert set(hq_stock.types()) <= {"stock.low", "stock.low_cleared"}
    finally:
        for listener in (*ls.values(), hq_stock):
            listener.close()
        httpx.put(
            f"{gw}/v1/inventory/thresholds",
            headers={"Authorization": f"Bearer {tokens['hq']}"},
            json={"location_id": "LOC-S001", "sku": "TEA-002", "low_stock_threshold": 0},
        )


def test_resume_gets_every_missed_event_once_in_order(
    stack: Stack, replica: Replica, tokens: dict[str, str]
) -> None:
    gw = stack.gateway_url
    first = listen(gw, tokens["alice"], params={"types": "order.created"})
    o1 = place(gw, tokens["alice"], "C-ALICE", "S001")
    first.wait_for(created(o1["order_no"]))
    cursor = first.last_id
    first.close()
    missed = [place(gw, tokens["alice"], "C-ALICE", "S001")["order_no"] for _ in range(3)]
    # A cursor from one replica is good at the other: one stream, one order.
    for base in (gw, replica.url):
        again = listen(
            base,
            tokens["alice"],
            params={"types": "order.created"},
            headers={"Last-Event-ID": cursor or ""},
        )
        try:
            again.wait_for(created(missed[-1]))
            live = place(gw, tokens["alice"], "C-ALICE", "S001")["order_no"]
            again.wait_for(created(live))
            got = [e.data["order_no"] for e in again.events]
            assert got == [*missed, live][: len(got)] or got[: len(missed)] == missed, got
            assert got[: len(missed)] == missed and got.count(live) == 1
            assert len(got) == len(set(got)), "an event came twice"
            missed = [*missed, live]
        finally:
            again.close()


def test_a_cursor_past_retention_gets_a_reset(stack: Stack, tokens: dict[str, str]) -> None:
    listener = listen(stack.gateway_url, tokens["hq"], params={"after": "0.0"})
    try:
        reset = listener.wait_for(lambda e: e.event == "reset")
        assert listener.last_id and listener.last_id != "0.0"
        assert reset.data["type"] == "reset"
    finally:
        listener.close()


async def _publish_synthetic_orders(nats_url: str, count: int, first: int = 0) -> None:
    """Feed volume without placing thousands of orders: `orders.created` facts for a store
    no one else watches (no service consumes orders.created)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for i in range(first, first + count):
        order = orders_pb2.Order(
            order_id=str(uuid.uuid4()),
            order_no=f"SYN-{i:06d}",
            store_id="S003",
            customer_id="C-SYN",
            total=100,
            currency="CNY",
        )
        out = events.envelope("orders.created", events_pb2.OrderCreated(order=order), source="test")
        await js.publish(out.subject, out.data, headers={"Nats-Msg-Id": out.event_id})
    await nc.close()


def _silent_client(port: int, bearer: str) -> socket.socket:
    """A client that asks for the feed and then never reads."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(
        f"GET {STREAM} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\n\r\n".encode()
    )
    return s


def _dropped(base_url: str) -> float:
    metrics = httpx.get(f"{base_url}/metrics").text
    line = next(x for x in metrics.splitlines() if x.startswith("feed_clients_dropped_total"))
    return float(line.split()[-1])


def test_a_slow_client_is_dropped_and_others_stay_on_time(
    stack: Stack, tokens: dict[str, str]
) -> None:
    assert stack.nats_url
    dropped_before = _dropped(stack.gateway_url)
    silent = _silent_client(stack.ports.gateway, tokens["hq"])
    fast = listen(stack.gateway_url, tokens["hq"], params={"store_id": "S003"})
    try:
        # Socket buffers take a few thousand events before the server feels the silence.
        sent = 0
        while _dropped(stack.gateway_url) == dropped_before:
            assert sent < 40_000, "the silent client was never dropped"
            start = time.time()
            asyncio.run(_publish_synthetic_orders(stack.nats_url, 2000, first=sent))
            sent += 2000
            last = fast.wait_for(created(f"SYN-{sent - 1:06d}"), timeout_s=30)
            # The fast client kept up with every burst while the silent one was stuck.
            assert last.received_at - start < 10
        synthetic = [e for e in fast.events if e.data["order_no"].startswith("SYN-")]
        assert len(synthetic) == sent == len({e.id for e in synthetic})
        # The silent client was cut off: reading now drains what was buffered, then EOF.
        silent.settimeout(15)
        while silent.recv(65536):
            pass
    finally:
        silent.close()
        fast.close()


def test_a_gateway_restart_loses_nothing_for_a_resuming_client(
    stack: Stack, replica: Replica, tokens: dict[str, str]
) -> None:
    gw = stack.gateway_url
    listener = listen(gw, tokens["s001"], params={"types": "order.created"})
    o = place(gw, tokens["alice"], "C-ALICE", "S001")
    listener.wait_for(created(o["order_no"]))
    cursor = listener.last_id
    asyncio.run(stack.restart("gateway", signal.SIGKILL))
    listener.close()
    # Orders keep coming through the other replica while this one is down and back.
    during = [place(replica.url, tokens["alice"], "C-ALICE", "S001")["order_no"] for _ in range(3)]
    back = listen(
        gw,
        tokens["s001"],
        params={"types": "order.created"},
        headers={"Last-Event-ID": cursor or ""},
    )
    try:
        back.wait_for(created(during[-1]))
        got = [e.data["order_no"] for e in back.events]
        assert got[:3] == during and len(got) == len(set(got))
    finally:
        back.close()


def test_notifications_are_kept_while_the_customer_is_away(
    stack: Stack, tokens: dict[str, str]
) -> None:
    gw = stack.gateway_url
    alice = httpx.Client(base_url=gw, headers={"Authorization": f"Bearer {tokens['alice']}"})
    o = place(gw, tokens["alice"], "C-ALICE", "S001")
    r = alice.post(
        f"/v1/orders/{o['order_id']}/pay", json={"method": "alipay", "amount": o["total"]}
    )
    assert r.status_code == 200, r.text
    c = place(gw, tokens["alice"], "C-ALICE", "S001")
    alice.post(f"/v1/orders/{c['order_id']}/cancel", json={"reason": "买错了"})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        items = alice.get("/v1/notifications", params={"unread": "true"}).json()["items"]
        kinds = {(i["order_no"], i["type"]) for i in items}
        if {(o["order_no"], "order.paid"), (c["order_no"], "order.cancelled")} <= kinds:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"notifications missing: {items}")
    cancelled = next(i for i in items if i["order_no"] == c["order_no"])
    assert "买错了" in cancelled["body"] and cancelled["link"] == f"/my/orders/{c['order_no']}"
    assert cancelled["title"] == "订单已取消"
    en = alice.get("/v1/notifications", headers={"Accept-Language": "en"}).json()["items"]
    assert any(i["title"] == "Order cancelled" for i in en)
    # Another customer's notification is not found, never revealed; bob sees none of Alice's.
    bob = httpx.Client(base_url=gw, headers={"Authorization": f"Bearer {tokens['bob']}"})
    assert bob.post(f"/v1/notifications/{cancelled['id']}/read").status_code == 404
    assert c["order_no"] not in {
        i["order_no"] for i in bob.get("/v1/notifications").json()["items"]
    }
    hq = httpx.Client(base_url=gw, headers={"Authorization": f"Bearer {tokens['hq']}"})
    assert hq.get("/v1/notifications").status_code == 403
    assert alice.post(f"/v1/notifications/{cancelled['id']}/read").json() == {"marked": 1}
    assert alice.post("/v1/notifications/read-all").status_code == 200
    assert alice.get("/v1/notifications", params={"unread": "true"}).json()["items"] == []


def test_a_customer_follows_their_parcel_and_is_told_when_it_ships_and_arrives(
    stack: Stack, tokens: dict[str, str]
) -> None:
    gw = stack.gateway_url

    def client(user: str) -> httpx.Client:
        return httpx.Client(
            base_url=gw, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=15
        )

    alice, s001 = client("alice"), client("s001")
    mine = listen(gw, tokens["alice"], params={"types": "shipment.*,order.shipped"})
    bobs = listen(gw, tokens["bob"])
    try:
        o = place(gw, tokens["alice"], "C-ALICE", "S001")
        pay = {"method": "wechat_pay", "amount": o["total"]}
        assert alice.post(f"/v1/orders/{o['order_id']}/pay", json=pay).status_code == 200
        assert s001.post(f"/v1/orders/{o['order_id']}/confirm").status_code == 200
        r = s001.post(f"/v1/orders/{o['order_id']}/ship", json={})
        assert r.status_code == 200, r.text
        shipped = mine.wait_for(lambda e: e.event == "order.shipped")
        waybill = shipped.data["shipments"][0]["waybill_no"]
        delivered = mine.wait_for(
            lambda e: e.event == "shipment.scan" and e.data["status"] == "delivered", 30
        )
        assert delivered.data["waybill_no"] == waybill
        assert delivered.data["order_no"] == o["order_no"]
        scans = [e for e in mine.events if e.event == "shipment.scan"]
        assert all(e.data["order_id"] == o["order_id"] for e in scans)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            items = alice.get("/v1/notifications", params={"limit": 50}).json()["items"]
            ours = [i for i in items if i["order_no"] == o["order_no"]]
            kinds = {i["type"] for i in ours}
            delivered_told = any(i["title"] == "包裹已签收" for i in ours)
            if {"order.paid", "order.shipped"} <= kinds and delivered_told:
                break
            time.sleep(0.3)
        mine_notes = [i for i in items if i["order_no"] == o["order_no"]]
        assert any(waybill in i["body"] for i in mine_notes), mine_notes
        assert any(i["title"] == "包裹已签收" for i in mine_notes), mine_notes
        # Internal scans (picked up, in transit) are not notifications.
        assert len([i for i in mine_notes if i["type"] == "shipment.scan"]) <= 2
        assert o["order_id"] not in {e.data.get("order_id") for e in bobs.events}
    finally:
        mine.close()
        bobs.close()


def test_the_feed_carries_on_after_nats_restarts(stack: Stack, tokens: dict[str, str]) -> None:
    gw = stack.gateway_url
    listener = listen(gw, tokens["hq"], params={"types": "order.created"})
    try:
        before = place(gw, tokens["alice"], "C-ALICE", "S001")["order_no"]
        listener.wait_for(created(before))
        assert stack.nats is not None
        stack.nats.kill()
        time.sleep(1.0)
        stack.nats.start()
        # Orders accepted while the feed's consumer finds its way back reach the client.
        after = place(gw, tokens["alice"], "C-ALICE", "S001")["order_no"]
        listener.wait_for(created(after), timeout_s=30)
        got = [e.data["order_no"] for e in listener.events]
        assert got.count(before) == 1 and got.count(after) == 1
    finally:
        listener.close()
