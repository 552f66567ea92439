"""Sales read models fed by our own events through a real NATS server (each event sent
twice), checked against a recomputation from the orders table; scoping of the figures."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.errors import InvalidArgument, PermissionDenied
from chainkit.nats import connect, ensure_stream
from chainkit.outbox import OutboxMessage
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore_dev.testing import NatsServer
from orders.adapters.tables import LINE, ORDER
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.sales import GROUP_BY
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.entrypoints.consumer import ANALYTICS_DURABLE, ANALYTICS_STREAM, analytics_consumer
from orders.service_layer import analytics, stores
from orders.service_layer import commands as c
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import cancel_order, pay_order

REGIONS = {"s1": "华东", "s2": "华北"}  # stored by their Chinese names
# s2 is placed by district code, s1 by text only: a till sale counts in its store's province.
STORE_PROVINCES = {"s1": "", "s2": "北京市"}


def shanghai_day(at: datetime) -> date:
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()


PRICES = {"TEA-1": 1200, "MUG-1": 3000, "PEN-1": 500}
PROVINCES = {"310000": "上海市", "540000": "西藏自治区"}


async def make_history(app: OrdersApp, clock: Any, inventory: Any) -> None:
    """Three days of online and POS orders: paid, refunded, unpaid, cancelled unpaid."""
    for key in list(inventory.stock):
        inventory.stock[key] = 10_000
    inventory.stock[("st-2", "PEN-1")] = 10_000
    rng = random.Random(7)
    for _day in range(3):
        for i in range(8):
            store = rng.choice(["s1", "s2"])
            skus = rng.sample(sorted(PRICES), rng.randint(1, 3))
            lines = tuple(LineRequest(s, rng.randint(1, 3)) for s in skus)
            total = sum(PRICES[x.sku] * x.qty for x in lines)
            if i % 4 == 0:  # a till sale: no shipping address, the store's region
                lines = (LineRequest("PEN-1", 2),) if store == "s2" else (LineRequest("TEA-1", 1),)
                total = sum(PRICES[x.sku] * x.qty for x in lines)
                await create_order(
                    app.deps,
                    c.CreateOrder(store, "walk-in", "pos", lines, payment=Payment("cash", total)),
                )
                continue
            where = rng.choice(["east", "west", "310000", "540000"])
            if where in PROVINCES:  # by code: the region comes from the province
                province = {"province_code": where, "province": PROVINCES[where]}
                address = Address("Li", "138", "", "City", "1 Rd", **province)
            else:  # an old free-text address
                address = Address("Li", "138", where, "City", "1 Rd")
            order = answer.order(
                await create_order(
                    app.deps,
                    c.CreateOrder(store, f"c{i}", "online", lines, shipping_address=address),
                )
            )
            fate = rng.choice(["paid", "paid", "refunded", "unpaid", "dropped"])
            if fate in ("paid", "refunded"):
                await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", total)))
            if fate in ("refunded", "dropped"):
                await cancel_order(app.deps, c.CancelOrder(order.order_id, "changed mind"))
            clock.advance(600)
        clock.advance(86_400 - 8 * 600)


async def feed_events_twice(nats_server: NatsServer, app: OrdersApp, sessions: Any) -> int:
    async with sessions() as s:
        rows = (await s.execute(select(OutboxMessage.subject, OutboxMessage.data))).all()  # type: ignore[call-overload]
    nc = await connect(nats_server.url, "test")
    js = nc.jetstream()
    await ensure_stream(js, ANALYTICS_STREAM)
    task = asyncio.create_task(
        analytics_consumer(js, sessions, app.uow_factory, app.deps.business_tz).run()
    )
    try:
        for subject, data in rows + rows:  # the inbox must recognise every second copy
            await js.publish(subject, data)
        for _ in range(400):
            await asyncio.sleep(0.05)
            with contextlib.suppress(NotFoundError):
                info = await js.consumer_info(ANALYTICS_STREAM, ANALYTICS_DURABLE)
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    break
        else:
            raise AssertionError("the analytics consumer did not settle")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await nc.close()
    return len(rows)


async def recompute(sessions: async_sessionmaker[AsyncSession], store_id: str = "") -> Any:
    """The same figures straight from the orders table: paid, not refunded, by the business
    day (Shanghai) of payment."""
    async with sessions() as s:
        orders = (await s.execute(select(ORDER))).all()
        lines = (await s.execute(select(LINE))).all()
    by_order = defaultdict(list)
    for x in lines:
        by_order[x.order_id].append(x)
    out: dict[str, dict[str, list[int]]] = {g: defaultdict(lambda: [0, 0, 0]) for g in GROUP_BY}
    for o in orders:
        if o.paid_at is None or o.refunded_amount or (store_id and o.store_id != store_id):
            continue
        region = o.ship_region or REGIONS[o.store_id]
        order_keys = {
            "store": o.store_id,
            "region": region,
            "province": STORE_PROVINCES[o.store_id]
            if o.channel == "pos"
            else o.ship_province or "",
            "day": str(shanghai_day(o.paid_at)),
        }
        for group, key in order_keys.items():
            row = out[group][key]
            row[0] += 1
            row[1] += sum(x.qty for x in by_order[o.order_id])
            row[2] += sum(x.amount for x in by_order[o.order_id])
        for x in by_order[o.order_id]:
            for group, key in (("product", x.sku), ("category", x.category)):
                out[group][key][1] += x.qty
                out[group][key][2] += x.amount
            out["product"][x.sku][0] += 1
        for category in {x.category for x in by_order[o.order_id]}:
            out["category"][category][0] += 1
    return {g: {k: tuple(v) for k, v in rows.items()} for g, rows in out.items()}


async def test_read_models_equal_a_recomputation_from_the_orders_table(
    nats_server: NatsServer,
    app: OrdersApp,
    clock: Any,
    inventory: Any,
    sessions: async_sessionmaker[AsyncSession],
    probe: Any,
) -> None:
    await stores.create_store(
        app.deps,
        store_id="s2",
        name="North",
        region="north",
        city="",
        kind="direct",
        location_id="st-2",
        settings=StoreSettings(district_code="110101"),
    )
    await make_history(app, clock, inventory)
    sent = await feed_events_twice(nats_server, app, sessions)
    handled = await probe.count("inbox")
    assert 0 < handled <= sent  # orders-analytics handles paid/cancelled once each

    for scope, store_id in ((c.Scope(), ""), (c.Scope(store_id="s2"), "s2")):
        expected = await recompute(sessions, store_id)
        for group in GROUP_BY:
            got = answer.sales(
                await analytics.sales(app.deps, scope, "2025-03-01", "2025-03-31", group)
            )
            assert {r.key: (r.orders, r.units, r.revenue) for r in got.rows} == expected[group]
        top = answer.top_products(
            await analytics.top_products(app.deps, scope, "2025-03-01", "2025-03-31", "", 2)
        )
        best = sorted(expected["product"].items(), key=lambda kv: (-kv[1][1], -kv[1][2], kv[0]))
        assert [(p.sku, p.units, p.revenue) for p in top.items] == [
            (sku, units, revenue) for sku, (_, units, revenue) in best[:2]
        ]
        assert all(p.category and p.name for p in top.items)
    assert set((await recompute(sessions, "s2"))["store"]) == {"s2"}
    # By province: coded addresses by theirs, till sales by their store's (北京市 for s2),
    # the rest (s1's till, old text addresses) under "".
    days = ("2025-03-01", "2025-03-31")
    by_province = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "province"))
    assert {"上海市", "西藏自治区", "北京市", ""} == {r.key for r in by_province.rows}
    in_east = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "province", "east"))
    assert [r.key for r in in_east.rows] == ["上海市"]  # 华东's provinces only
    in_north = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "province", "华北"))
    assert [r.key for r in in_north.rows] == ["北京市"]

    east = answer.top_products(
        await analytics.top_products(app.deps, c.Scope(), "2025-03-01", "2025-03-31", "east", 5)
    )
    west = answer.top_products(
        await analytics.top_products(app.deps, c.Scope(), "2025-03-01", "2025-03-31", "west", 5)
    )
    total = sum(r[2] for r in (await recompute(sessions))["product"].values())
    north = answer.top_products(
        await analytics.top_products(app.deps, c.Scope(), "2025-03-01", "2025-03-31", "north", 5)
    )
    assert sum(p.revenue for r in (east, west, north) for p in r.items) == total

    summary = answer.summary(await analytics.summary(app.deps, c.Scope()))
    counts = {s.status: s.count for s in summary.orders_by_status}
    assert sum(counts.values()) == await probe.count("ord_order")
    assert summary.day == shanghai_day(clock.now).isoformat() and summary.currency == "CNY"
    with pytest.raises(PermissionDenied):
        await analytics.summary(app.deps, c.Scope(customer_id="c1"))


async def test_analytics_queries_validate_their_arguments(app: OrdersApp) -> None:
    from chainkit.errors import InvalidArgument

    with pytest.raises(InvalidArgument) as bad:
        await analytics.sales(app.deps, c.Scope(), "2025-03-10", "2025-03-01", "store")
    assert bad.value.errors[0].field == "from"
    with pytest.raises(InvalidArgument) as bad:
        await analytics.sales(app.deps, c.Scope(), "", "", "colour")
    assert bad.value.errors[0].field == "group_by"
    with pytest.raises(InvalidArgument) as bad:
        await analytics.top_products(app.deps, c.Scope(), "2025-13-01", "", "", 5)
    assert bad.value.errors[0].field == "from"
    empty = answer.sales(await analytics.sales(app.deps, c.Scope(), "", "", "day"))
    assert list(empty.rows) == []
    assert pb.SalesResponse  # the contract type the servicer answers with


async def add_north_store(app: OrdersApp) -> None:
    await stores.create_store(
        app.deps,
        store_id="s2",
        name="North",
        region="north",
        city="Beijing",
        kind="direct",
        location_id="st-2",
    )


async def test_sales_of_one_region_add_up_to_the_chain(
    nats_server: NatsServer,
    app: OrdersApp,
    clock: Any,
    inventory: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The region filter (head office's region-by-category view): each region's categories
    match that region's row, and the regions together make the chain's categories."""
    await add_north_store(app)
    await make_history(app, clock, inventory)
    await feed_events_twice(nats_server, app, sessions)
    days = ("2025-03-01", "2025-03-31")
    by_region = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "region"))
    chain = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "category"))
    assert {"华东", "西南"} <= {r.key for r in by_region.rows}  # east, west as stored
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in by_region.rows:
        cats = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "category", row.key))
        assert sum(x.revenue for x in cats.rows) == row.revenue
        assert sum(x.units for x in cats.rows) == row.units
        for x in cats.rows:
            totals[x.key][0] += x.units
            totals[x.key][1] += x.revenue
        alone = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "region", row.key))
        assert [(r.key, r.revenue) for r in alone.rows] == [(row.key, row.revenue)]
    assert {r.key: [r.units, r.revenue] for r in chain.rows} == totals
    nowhere = answer.sales(await analytics.sales(app.deps, c.Scope(), *days, "category", "south"))
    assert list(nowhere.rows) == []


async def test_period_figures_count_the_orders_placed_in_the_window(
    app: OrdersApp,
    clock: Any,
    inventory: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_north_store(app)
    await make_history(app, clock, inventory)
    async with sessions() as s:
        orders = (await s.execute(select(ORDER))).all()
    first_order = min(o.created_at for o in orders).replace(tzinfo=UTC)
    start = first_order.replace(hour=0, minute=0, second=0, microsecond=0)
    for scope, store_id in ((c.Scope(), ""), (c.Scope(store_id="s1"), "s1")):
        for day in range(3):
            first, end = start + timedelta(days=day), start + timedelta(days=day + 1)
            placed = [
                o
                for o in orders
                if first <= o.created_at.replace(tzinfo=UTC) < end
                and (not store_id or o.store_id == store_id)
            ]
            got = answer.period_figures(await analytics.period_figures(app.deps, scope, first, end))
            kept = [o for o in placed if o.paid_at is not None and o.status != "cancelled"]
            assert placed and got.orders == len(placed)
            assert got.cancelled == sum(o.status == "cancelled" for o in placed)
            assert got.paid_orders == len(kept)
            assert got.paid_revenue == sum(o.total for o in kept)
            assert got.currency == "CNY"
    with pytest.raises(InvalidArgument):
        await analytics.period_figures(app.deps, c.Scope(), start, start)
    with pytest.raises(PermissionDenied):
        await analytics.period_figures(
            app.deps, c.Scope(customer_id="c1"), start, start + timedelta(days=1)
        )
