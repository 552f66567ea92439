"""The synthetic chain behind `chainstore_dev.orders_data.loadgen`: stores, a Zipf-skewed
catalogue, a year of orders in every status (rows for every orders table) and the matching
sales read models."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chainkit.china.regions import SALES_REGIONS

REGIONS = list(SALES_REGIONS)  # 华北, 东北, 华东, 华中, 华南, 西南, 西北
CHUNK = 20_000


@dataclass
class World:
    """Stores, products and customers, with the popularity skew orders are drawn from."""

    rng: random.Random
    stores: list[tuple[str, str]]
    skus: list[tuple[str, str, str, int]]  # sku, name, category, unit price
    sku_weights: list[float]
    store_weights: list[float]
    customers: int
    now: datetime
    counters: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def make(cls, seed: int, stores: int, skus: int, customers: int, now: datetime) -> World:
        rng = random.Random(seed)
        store_list = [(f"S{i:04d}", REGIONS[i % len(REGIONS)]) for i in range(1, stores + 1)]
        sku_list = [
            (f"SKU-{i:05d}", f"Product {i}", f"cat-{i % 25:02d}", rng.randrange(100, 50_000))
            for i in range(1, skus + 1)
        ]
        sku_weights = _zipf(skus, 1.1)  # a few best sellers, a long tail
        store_weights = _zipf(stores, 0.6)  # flagship stores sell more, but all sell
        return cls(rng, store_list, sku_list, sku_weights, store_weights, customers, now)


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative weights of ranks 1..n under Zipf's law with exponent s."""
    return list(itertools.accumulate(1 / rank**s for rank in range(1, n + 1)))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _status(rng: random.Random, channel: str, age: timedelta) -> str:
    if channel == "pos":
        return "completed"
    if age < timedelta(minutes=30):
        return "pending_payment"
    roll = rng.random()
    if age < timedelta(days=3):
        return "paid" if roll < 0.5 else "shipped" if roll < 0.9 else "cancelled"
    return "completed" if roll < 0.88 else "cancelled"


STEPS = {
    "pending_payment": [("created", "", "pending_payment")],
    "paid": [("created", "", "pending_payment"), ("paid", "pending_payment", "paid")],
    "shipped": [
        ("created", "", "pending_payment"),
        ("paid", "pending_payment", "paid"),
        ("confirmed", "paid", "paid"),
        ("shipped", "paid", "shipped"),
    ],
    "completed": [
        ("created", "", "pending_payment"),
        ("paid", "pending_payment", "paid"),
        ("confirmed", "paid", "paid"),
        ("shipped", "paid", "shipped"),
        ("completed", "shipped", "completed"),
    ],
    "cancelled": [
        ("created", "", "pending_payment"),
        ("cancelled", "pending_payment", "cancelled"),
    ],
    "pos": [("created", "", "completed")],
}


@dataclass
class Batch:
    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    attributions: list[dict[str, Any]] = field(default_factory=list)


class Rollups:
    def __init__(self) -> None:
        self.store: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.lines: dict[tuple[Any, ...], list[Any]] = {}

    def add(self, day: date, store_id: str, region: str, lines: list[dict[str, Any]]) -> None:
        s = self.store[(day, store_id, region)]
        s[0] += 1
        s[1] += sum(x["qty"] for x in lines)
        s[2] += sum(x["amount"] for x in lines)
        seen: set[str] = set()
        for x in lines:
            key = (day, store_id, region, x["category"], x["sku"])
            row = self.lines.setdefault(key, [x["name"], 0, 0, 0, 0])
            row[1] += 1
            row[2] += x["category"] not in seen
            row[3] += x["qty"]
            row[4] += x["amount"]
            seen.add(x["category"])


def generate(world: World, count: int, rollups: Rollups) -> Iterator[Batch]:
    rng = world.rng
    start = world.now - timedelta(days=365)
    span = (world.now - start).total_seconds()
    # Newest last: created_at grows with the order's index, like real traffic.
    offsets = sorted(rng.random() * span for _ in range(count))
    batch = Batch()
    for offset in offsets:
        created = start + timedelta(seconds=offset)
        (
            store_id,
            store_region,
        ) = rng.choices(world.stores, cum_weights=world.store_weights)[0]
        channel = "pos" if rng.random() < 0.3 else "online"
        status = _status(rng, channel, world.now - created)
        world.counters[(store_id, created.date())] += 1
        seq = world.counters[(store_id, created.date())]
        order_id = _uuid(rng)
        picks = {
            p[0]: p
            for p in rng.choices(world.skus, cum_weights=world.sku_weights, k=rng.randint(1, 3))
        }
        lines: list[dict[str, Any]] = []
        for i, (sku, name, category, price) in enumerate(picks.values()):
            qty = rng.choice((1, 1, 1, 2, 3))
            lines.append(
                {
                    "order_id": order_id,
                    "line_no": i,
                    "sku": sku,
                    "name": name,
                    "category": category,
                    "qty": qty,
                    "unit_price": price,
                    "amount": qty * price,
                    "weight_g": 300,
                }
            )
        total = sum(x["amount"] for x in lines)
        region = store_region if channel == "pos" else rng.choice(REGIONS)
        paid = status in ("paid", "shipped", "completed")
        at = {"created": created, "paid": created + timedelta(minutes=5)}
        at["confirmed"] = at["shipped"] = created + timedelta(hours=3)
        at["completed"] = created + timedelta(days=2)
        at["cancelled"] = created + timedelta(minutes=31)
        batch.orders.append(
            {
                "order_id": order_id,
                "order_no": f"{created:%Y%m%d}-{store_id}-{seq:06d}",
                "store_id": store_id,
                "customer_id": f"C{rng.randrange(world.customers):07d}",
                "channel": channel,
                "status": status,
                "total": total,
                "currency": "CNY",
                "ship_name": None if channel == "pos" else "Customer",
                "ship_phone": None if channel == "pos" else "13800000000",
                "ship_region": None if channel == "pos" else region,
                "ship_city": None if channel == "pos" else "City",
                "ship_line1": None if channel == "pos" else "1 Road",
                "ship_lat": None,
                "ship_lon": None,
                "payment_method": "card" if paid else None,
                "payment_amount": total if paid else None,
                "refunded_amount": 0,
                "payment_due_at": None if channel == "pos" else created + timedelta(minutes=30),
                "created_at": created,
                "paid_at": at["paid"] if paid else (created if channel == "pos" else None),
                "confirmed_at": at["confirmed"] if status in ("shipped", "completed") else None,
                "shipped_at": at["shipped"] if status in ("shipped", "completed") else None,
                "completed_at": at["completed"] if status == "completed" else None,
                "cancelled_at": at["cancelled"] if status == "cancelled" else None,
                "cancel_reason": "payment deadline passed" if status == "cancelled" else "",
                "release_pending": False,
                "version": 0,
            }
        )
        batch.lines.extend(lines)
        batch.allocations.extend(
            {
                "order_id": order_id,
                "location_id": f"WH-{REGIONS.index(region) + 1:02d}",
                "sku": x["sku"],
                "qty": x["qty"],
                "reason": "loadgen",
            }
            for x in lines
        )
        steps = STEPS["pos" if channel == "pos" else status]
        batch.events.extend(
            {
                "order_id": order_id,
                "seq": n,
                "at": at[action] if channel == "online" else created,
                "action": action,
                "from_status": before,
                "to_status": after,
                "actor": "loadgen",
                "reason": "",
            }
            for n, (action, before, after) in enumerate(steps)
        )
        if paid or channel == "pos":
            day = batch.orders[-1]["paid_at"].date()
            rollups.add(day, store_id, region, lines)
            batch.attributions.append(
                {
                    "order_id": order_id,
                    "day": day,
                    "store_id": store_id,
                    "region": region,
                    "refunded": False,
                }
            )
        if len(batch.orders) >= CHUNK:
            yield batch
            batch = Batch()
    if batch.orders:
        yield batch
