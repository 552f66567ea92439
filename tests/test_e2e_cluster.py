"""The cluster profile: two replicas of every service and of the gateway, a three-node
JetStream cluster and PostgreSQL, under load and failure (every process real)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from chainstore_dev.devstack import Ports, Stack
from chainstore_dev.devstack.running import seeded_stack
from chainstore_dev.testing import new_pg_database

ADDRESS = {
    "name": "李雷",
    "phone": "13900000000",
    "region": "east",
    "city": "上海",
    "line1": "南京东路 100 号",
}
SERVICES = ("inventory", "orders", "logistics", "gateway")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("cluster")
    loop = asyncio.new_event_loop()
    databases = AsyncExitStack()
    urls = {
        name: loop.run_until_complete(databases.enter_async_context(new_pg_database(f"cl_{name}")))
        for name in SERVICES
    }
    suite = Stack(
        data_dir=data_dir,
        ports=Ports.free(),
        carrier_pace_s=0.5,
        database_urls=urls,
        replicas=2,
        nats_nodes=3,
        # Timers fast enough to race within a test: both replicas sweep deadlines and
        # stalls, and poll carriers, every half second.
        extra_env={
            "ORDERS_EXPIRY_INTERVAL_S": "0.5",
            "LOGISTICS_POLL_INTERVAL_S": "0.5",
            "LOGISTICS_STALL_SCALE": "0.000005",
            "LOGISTICS_STALL_SWEEP_INTERVAL_S": "0.5",
        },
    )
    try:
        with seeded_stack(suite):
            yield suite
    finally:
        loop.run_until_complete(databases.aclose())
        loop.close()


def gateways(stack: Stack) -> list[str]:
    return [f"http://{u}" for u in stack.replica_urls("gateway")]


def login(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=20)
    r = client.post("/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def new_product(hq: httpx.Client, sku: str, units: int) -> None:
    r = hq.post(
        "/v1/products",
        json={
            "sku": sku,
            "name": f"限量 {sku}",
            "category": "snacks",
            "price": 1000,
            "currency": "CNY",
            "weight_g": 500,
        },
    )
    assert r.status_code == 201, r.text
    r = hq.post(
        "/v1/inventory/receipts",
        json={
            "location_id": "LOC-S001",
            "reference": f"in-{sku}",
            "lines": [{"sku": sku, "qty": units}],
        },
    )
    assert r.status_code in (200, 201), r.text


def order_body(sku: str, customer: str) -> dict[str, Any]:
    return {
        "store_id": "S001",
        "customer_id": customer,
        "channel": "online",
        "lines": [{"sku": sku, "qty": 1}],
        "shipping_address": ADDRESS,
    }


def reserved(hq: httpx.Client, sku: str) -> tuple[int, int]:
    rows = hq.get("/v1/inventory", params={"sku": sku}).json()["items"]
    return sum(r["reserved"] for r in rows), sum(r["available"] for r in rows)


class Timed:
    """Work whose timers fire while the rest of the module runs: orders left unpaid past
    their deadline at S003 (the shortest timeout, 60 s), and parcels shipped from S001."""

    def __init__(self, stack: Stack) -> None:
        from chainstore_dev.testing.sse import SseListener

        base = gateways(stack)[0]
        self.hq = login(base, "hq", stack.hq_password)
        # Where the feed stood before: replaying from here shows every event since, once.
        probe = SseListener(
            f"{base}/v1/events/stream", headers={"Authorization": self.hq.headers["Authorization"]}
        )
        deadline = time.monotonic() + 20
        while probe.last_id is None and time.monotonic() < deadline:
            time.sleep(0.2)
        self.cursor = probe.last_id
        probe.close()
        r = self.hq.patch("/v1/stores/S003", json={"payment_timeout_s": 60})
        assert r.status_code == 200, r.text
        new_product(self.hq, "TIMED-1", 1000)
        r = self.hq.post(
            "/v1/inventory/receipts",
            json={
                "location_id": "LOC-S003",
                "reference": "in-timed",
                "lines": [{"sku": "TIMED-1", "qty": 100}],
            },
        )
        assert r.status_code in (200, 201), r.text
        self.started = time.monotonic()
        self.unpaid = [self._order("S003", f"timed-unpaid-{i}") for i in range(8)]
        self.shipped = [self._order("S001", f"timed-ship-{i}") for i in range(6)]
        for order in self.shipped:
            oid = order["order_id"]
            pay = {"method": "alipay", "amount": order["total"]}
            assert self.hq.post(f"/v1/orders/{oid}/pay", json=pay).status_code == 200
            assert self.hq.post(f"/v1/orders/{oid}/confirm").status_code == 200
            assert self.hq.post(f"/v1/orders/{oid}/ship", json={}).status_code == 200

    def _order(self, store: str, key: str) -> dict[str, Any]:
        body = {**order_body("TIMED-1", "C-TIMED"), "store_id": store}
        r = self.hq.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
        assert r.status_code == 201, r.text
        return dict(r.json())


@pytest.fixture(scope="module")
def timed(cluster: Stack) -> Timed:
    return Timed(cluster)


def test_two_replicas_of_everything_answer_through_either_gateway(
    cluster: Stack, timed: Timed
) -> None:
    assert len(cluster.procs) == 1 + 2 * len(SERVICES)
    for base in gateways(cluster):
        hq = login(base, "hq", cluster.hq_password)
        assert hq.get("/v1/stores").status_code == 200
        assert hq.get("/healthz").status_code == 200


def test_racers_across_replicas_never_oversell(cluster: Stack) -> None:
    bases = gateways(cluster)
    hqs = [login(b, "hq", cluster.hq_password) for b in bases]
    new_product(hqs[0], "FLASH-1", 50)

    def race(i: int) -> int:
        r = hqs[i % 2].post(
            "/v1/orders",
            json=order_body("FLASH-1", f"C-RACER-{i}"),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code in (201, 409), r.text
        return r.status_code

    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(race, range(200)))
    assert answers.count(201) == 50 and answers.count(409) == 150
    assert reserved(hqs[1], "FLASH-1") == (50, 0)


class Shoppers:
    """Customers placing orders through both gateways while the test breaks things; a
    failed request is retried with the same Idempotency-Key, as a real client would."""

    def __init__(self, bases: list[str], hq_password: str, sku: str) -> None:
        self.clients = [login(b, "hq", hq_password) for b in bases]
        self.sku = sku
        self.accepted: dict[str, str] = {}  # idempotency key → order id
        self.accepted_at: list[float] = []
        self.retries = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(4)]

    def _run(self, n: int) -> None:
        i = 0
        while not self.stop.is_set():
            key = f"shopper-{n}-{i}"
            i += 1
            for attempt in range(60):
                client = self.clients[(n + attempt) % len(self.clients)]
                try:
                    r = client.post(
                        "/v1/orders",
                        json=order_body(self.sku, "C-CLUSTER"),
                        headers={"Idempotency-Key": key},
                        timeout=10,
                    )
                except httpx.HTTPError:
                    r = None
                if r is not None and r.status_code == 201:
                    self.accepted[key] = r.json()["order_id"]
                    self.accepted_at.append(time.monotonic())
                    break
                assert r is None or r.status_code >= 500, r.text
                self.retries += 1
                time.sleep(0.5)
            else:
                raise AssertionError(f"order {key} never accepted")
            time.sleep(0.05)

    def __enter__(self) -> Shoppers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)


def test_kill_one_replica_of_each_and_a_nats_node_under_load_loses_nothing(
    cluster: Stack,
) -> None:
    bases = gateways(cluster)
    hq = login(bases[0], "hq", cluster.hq_password)
    new_product(hq, "LOAD-1", 100_000)
    assert cluster.nats_cluster is not None
    soak_until = time.monotonic() + float(os.environ.get("CHAINSTORE_SOAK_S", "0"))
    with Shoppers(bases, cluster.hq_password, "LOAD-1") as shoppers:
        time.sleep(2)
        for cycle in itertools.count():  # once; again and again for a soak (`make soak`)
            # Alternate which twin and which NATS node go down.
            victims = [f"{s}-2" if cycle % 2 == 0 else s for s in SERVICES[:3]]
            for name in victims:
                cluster.stop_process(name, signal.SIGKILL)
            cluster.nats_cluster.kill_node(cycle % 3)
            time.sleep(3)
            for name in victims:
                cluster.start_process(name)
                asyncio.run(cluster.wait_ready(name))
            cluster.nats_cluster.restart_node(cycle % 3)
            if time.monotonic() > soak_until:
                break
        # A rolling restart with SIGTERM, one replica at a time, gateways included (their
        # clients retry on the other one with the same key).
        for name in cluster.process_names:
            if name.split("-")[0] in SERVICES:
                asyncio.run(cluster.restart(name, signal.SIGTERM))
        time.sleep(2)
    accepted = shoppers.accepted
    assert len(accepted) > 20, "the load never got going"
    # Every accepted order is there, once (no two keys made the same order, none lost).
    assert len(set(accepted.values())) == len(accepted)
    seen: set[str] = set()
    cursor = None
    while True:
        params = {
            "customer_id": "C-CLUSTER",
            "limit": 200,
            **({"cursor": cursor} if cursor else {}),
        }
        page = hq.get("/v1/orders", params=params).json()
        seen.update(o["order_id"] for o in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == set(accepted.values())
    # Each accepted order holds exactly its unit: no leaked and no missing reservation.
    assert reserved(hq, "LOAD-1")[0] == len(accepted)
    # Inventory holds no unit for an order that orders does not know (the reconciler).
    audit = subprocess.run(
        [sys.executable, "-m", "orders.reconcile_reservations", "--grace-s", "0"],
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    times = sorted(shoppers.accepted_at)
    longest_gap = max(b - a for a, b in itertools.pairwise(times))
    print(
        f"accepted {len(accepted)} orders, lost 0, doubled 0, {shoppers.retries} retried "
        f"requests; longest time without an accepted order {longest_gap:.1f} s"
    )


def test_a_nats_majority_loss_stops_events_not_orders_and_they_catch_up(cluster: Stack) -> None:
    from chainstore_dev.testing.sse import SseListener

    bases = gateways(cluster)
    hq = login(bases[0], "hq", cluster.hq_password)
    new_product(hq, "QUORUM-1", 1000)
    assert cluster.nats_cluster is not None
    token = hq.headers["Authorization"]
    feed = SseListener(
        f"{bases[1]}/v1/events/stream",
        headers={"Authorization": token},
        params={"types": "order.created"},
    )
    try:
        cluster.nats_cluster.kill_node(0)
        cluster.nats_cluster.kill_node(1)
        placed = []
        for i in range(5):
            r = hq.post(
                "/v1/orders",
                json=order_body("QUORUM-1", "C-QUORUM"),
                headers={"Idempotency-Key": f"quorum-{i}"},
            )
            assert r.status_code == 201, r.text  # orders are taken without NATS
            placed.append(r.json()["order_no"])
        time.sleep(2)
        assert not {e.data["order_no"] for e in feed.events} & set(placed)
        cluster.nats_cluster.restart_node(0)
        cluster.nats_cluster.restart_node(1)
        for order_no in placed:  # the outbox relays them once quorum is back
            feed.wait_for(lambda e, n=order_no: e.data["order_no"] == n, timeout_s=60)
        got = [e.data["order_no"] for e in feed.events if e.data["order_no"] in placed]
        assert sorted(got) == sorted(placed)
    finally:
        feed.close()


def test_twins_act_on_every_timer_and_event_once(cluster: Stack, timed: Timed) -> None:
    """Both replicas sweep payment deadlines and stalls, poll carriers, relay their outbox
    and consume events: each effect must still happen once."""
    from chainstore_dev.testing.sse import SseListener

    hq = timed.hq
    # The deadline (60 s) passes, then the sweep claims orders overdue by its grace (60 s).
    time.sleep(max(0.0, timed.started + 125 - time.monotonic()))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {
            hq.get(f"/v1/orders/{o['order_id']}").json()["status"]
            for o in timed.unpaid + timed.shipped
        }
        if states == {"cancelled", "completed"}:
            break
        time.sleep(1)
    for o in timed.unpaid:
        order = hq.get(f"/v1/orders/{o['order_id']}").json()
        assert order["status"] == "cancelled", order
        assert [e["action"] for e in order["timeline"]].count("cancelled") == 1
    for o in timed.shipped:
        order = hq.get(f"/v1/orders/{o['order_id']}").json()
        assert order["status"] == "completed", order
        assert [e["action"] for e in order["timeline"]].count("completed") == 1
    # Every hold released once: nothing reserved, nothing restocked twice.
    rows = hq.get("/v1/inventory", params={"sku": "TIMED-1"}).json()["items"]
    assert sum(r["reserved"] for r in rows) == 0
    assert sum(r["on_hand"] for r in rows) == 1100 - len(timed.shipped)
    # The whole history since the start, replayed from the feed: each fact once.
    history = SseListener(
        f"{gateways(cluster)[1]}/v1/events/stream",
        headers={"Authorization": hq.headers["Authorization"]},
        params={"after": timed.cursor or ""},
    )
    try:
        last = timed.shipped[-1]["order_no"]
        history.wait_for(lambda e: e.event == "order.completed" and e.data["order_no"] == last, 60)
        time.sleep(2)
        events = list(history.events)
    finally:
        history.close()
    mine = {o["order_no"] for o in timed.unpaid + timed.shipped}
    facts = [
        (e.event, e.data.get("order_no"))
        for e in events
        if e.event.startswith("order.") and e.data.get("order_no") in mine
    ]
    doubled = {f for f in facts if facts.count(f) > 1}
    assert not doubled, f"order events relayed or applied twice: {doubled}"
    assert facts.count(("order.cancelled", timed.unpaid[0]["order_no"])) == 1
    scans = [
        (e.data["shipment_id"], e.data["status"], e.data.get("scanned_at"), e.data.get("place"))
        for e in events
        if e.event == "shipment.scan"
    ]
    assert scans, "no scans followed"
    assert len(scans) == len(set(scans)), "a scan was ingested twice"
    stalls = [
        (e.data["shipment_id"], e.data.get("silent_since"))
        for e in events
        if e.event == "shipment.stalled"
    ]
    # Limits scaled under the carriers' pace: parcels stall between scans, and both
    # logistics replicas sweep for it.
    assert stalls, "no stall was flagged"
    assert len(stalls) == len(set(stalls)), "a stall was flagged twice"
    print(f"{len(facts)} order events, {len(scans)} scans, {len(stalls)} stalls, each once")
