"""Business days in the chain's time zone (Asia/Shanghai by default): order numbers,
sales days, "today" and date ranges follow it across midnight Shanghai time (16:00 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.errors import InvalidArgument
from chainkit.outbox import OutboxMessage
from chainstore.common.v1.common_pb2 import EventEnvelope
from orders.adapters.order_messages import store_pb
from orders.domain.business_day import business_day, day_window, time_zone
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.entrypoints.config import Settings
from orders.entrypoints.consumer import cancelled_handler, paid_handler
from orders.service_layer import analytics, stores
from orders.service_layer import commands as c
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import cancel_order, pay_order

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEA = (LineRequest("TEA-1", 1),)
ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")


def till_sale() -> c.CreateOrder:
    return c.CreateOrder("s1", "walk-in", "pos", TEA, payment=Payment("cash", 1200))


def online(store_id: str = "s1") -> c.CreateOrder:
    return c.CreateOrder(store_id, "c1", "online", TEA, shipping_address=ADDRESS)


async def count_sales(app: OrdersApp, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Feed the outbox's paid/cancelled events to the analytics handlers, as the consumer does."""
    async with sessions() as s:
        rows = (await s.execute(select(OutboxMessage.subject, OutboxMessage.data))).all()  # type: ignore[call-overload]
    handlers = {
        "chainstore.orders.paid": paid_handler(app.deps.business_tz),
        "chainstore.orders.cancelled": cancelled_handler(app.deps.business_tz),
    }
    for subject, data in rows:
        if subject in handlers:
            await handlers[subject](app.uow_factory(), EventEnvelope.FromString(data))


def test_a_business_day_is_the_shanghai_calendar_day() -> None:
    assert business_day(datetime(2025, 3, 14, 16, 30, tzinfo=UTC), SHANGHAI) == date(2025, 3, 15)
    assert business_day(datetime(2025, 3, 14, 15, 59, tzinfo=UTC), SHANGHAI) == date(2025, 3, 14)
    assert business_day(datetime(2025, 3, 14, 16, 30), SHANGHAI) == date(2025, 3, 15)  # naive=UTC
    start, end = day_window(date(2025, 3, 15), SHANGHAI)
    assert (start, end) == (
        datetime(2025, 3, 14, 16, 0, tzinfo=UTC),
        datetime(2025, 3, 15, 16, 0, tzinfo=UTC),
    )
    # A DST day elsewhere is 23 hours long; the window follows the zone's own midnight.
    start, end = day_window(date(2025, 3, 9), ZoneInfo("America/New_York"))
    assert (end - start).total_seconds() == 23 * 3600
    for bad in ("", "Mars/Olympus", "../etc/passwd", " Asia/Shanghai"):
        with pytest.raises(ValueError, match="time zone"):
            time_zone(bad)


def test_the_setting_defaults_to_shanghai_and_refuses_unknown_zones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVENTORY_ADDR", "127.0.0.1:1")
    monkeypatch.setenv("LOGISTICS_ADDR", "127.0.0.1:2")
    assert Settings().business_zone == SHANGHAI
    monkeypatch.setenv("ORDERS_BUSINESS_TZ", "Asia/Urumqi")
    assert Settings().business_zone == ZoneInfo("Asia/Urumqi")
    monkeypatch.setenv("ORDERS_BUSINESS_TZ", "Asia/Nowhere")
    with pytest.raises(ValueError, match="Asia/Nowhere"):
        Settings()


async def test_order_numbers_carry_the_business_day_across_midnight_shanghai(
    app: OrdersApp, clock: Any
) -> None:
    clock.now = datetime(2025, 3, 14, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai, the 14th
    before = answer.order(await create_order(app.deps, till_sale()))
    clock.now = datetime(2025, 3, 14, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai, the 15th
    after = answer.order(await create_order(app.deps, till_sale()))
    second = answer.order(await create_order(app.deps, online()))
    assert before.order_no == "20250314-s1-000001"
    # A new business day starts its own sequence, though the UTC date is still the 14th.
    assert after.order_no == "20250315-s1-000001"
    assert second.order_no == "20250315-s1-000002"


async def test_a_store_may_count_its_days_in_its_own_time_zone(app: OrdersApp, clock: Any) -> None:
    await stores.create_store(
        app.deps,
        store_id="s9",
        name="Kashgar",
        region="west",
        city="Kashgar",
        kind="direct",
        location_id="st-1",
        settings=StoreSettings(time_zone="Asia/Urumqi"),  # UTC+6
    )
    clock.now = datetime(2025, 3, 14, 16, 30, tzinfo=UTC)  # 22:30 in Urumqi, the 14th
    order = answer.order(await create_order(app.deps, online("s9")))
    assert order.order_no.startswith("20250314-s9-")
    assert store_pb(await stores.get_store(app.deps, "s9")).time_zone == "Asia/Urumqi"
    cleared = store_pb(await stores.update_store(app.deps, "s9", StoreSettings(time_zone="")))
    assert cleared.time_zone == ""
    assert answer.order(await create_order(app.deps, online("s9"))).order_no.startswith(
        "20250315-s9-"
    )
    with pytest.raises(InvalidArgument) as bad:
        await stores.update_store(app.deps, "s9", StoreSettings(time_zone="Shanghai"))
    assert [e.field for e in bad.value.errors] == ["time_zone"]


async def test_sales_today_and_yesterday_follow_the_business_day(
    app: OrdersApp, clock: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = datetime(2025, 3, 14, 15, 50, tzinfo=UTC)  # 23:50 Shanghai, the 14th
    await create_order(app.deps, till_sale())  # 1,200 on the 14th
    pending = answer.order(await create_order(app.deps, online()))
    clock.now = datetime(2025, 3, 14, 16, 5, tzinfo=UTC)  # 00:05 Shanghai, the 15th
    # Placed on the 14th, paid on the 15th: the sale counts on the day of payment.
    await pay_order(app.deps, c.PayOrder(pending.order_id, Payment("wechat_pay", 1200)))
    await create_order(app.deps, till_sale())
    refunded = answer.order(await create_order(app.deps, online()))
    await pay_order(app.deps, c.PayOrder(refunded.order_id, Payment("alipay", 1200)))
    await cancel_order(app.deps, c.CancelOrder(refunded.order_id, "wrong item"))
    await count_sales(app, sessions)

    summary = answer.summary(await analytics.summary(app.deps, c.Scope()))
    assert summary.day == "2025-03-15"  # not the UTC date (the 14th)
    assert (summary.orders_today, summary.revenue_today) == (2, 2400)
    by_day = answer.sales(await analytics.sales(app.deps, c.Scope(), "2025-03-01", "", "day"))
    assert {r.key: (r.orders, r.revenue) for r in by_day.rows} == {
        "2025-03-14": (1, 1200),
        "2025-03-15": (2, 2400),
    }
    yesterday = answer.sales(
        await analytics.sales(app.deps, c.Scope(), "2025-03-14", "2025-03-14", "store")
    )
    assert [(r.key, r.orders) for r in yesterday.rows] == [("s1", 1)]
    # "to" defaults to today's business day: the 15th is in the last 30 days by default.
    default = answer.sales(await analytics.sales(app.deps, c.Scope(), "", "", "store"))
    assert [(r.key, r.orders) for r in default.rows] == [("s1", 3)]
    top = answer.top_products(
        await analytics.top_products(app.deps, c.Scope(), "2025-03-15", "2025-03-15", "", 5)
    )
    assert [(p.sku, p.units) for p in top.items] == [("TEA-1", 2)]
    # The dashboard's window for a Shanghai day: [16:00 UTC the day before, 16:00 UTC).
    start, end = day_window(date(2025, 3, 15), SHANGHAI)
    figures = answer.period_figures(await analytics.period_figures(app.deps, c.Scope(), start, end))
    assert (figures.orders, figures.cancelled, figures.paid_orders) == (2, 1, 1)
    store_day = answer.summary(await analytics.summary(app.deps, c.Scope(store_id="s1")))
    assert store_day.day == "2025-03-15" and store_day.revenue_today == 2400
