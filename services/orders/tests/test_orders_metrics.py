"""Orders' counters move when orders are recorded (by channel, a replayed retry not again)
and when the payment-deadline sweep cancels (real SQL unit of work, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY

from chainstore.orders.v1 import orders_pb2 as pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.service_layer import commands as c
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import expire_overdue, pay_order
from orders.service_layer.queries import get_order

ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
ALICE = c.Scope(customer_id="c1", actor="alice")


def online(key: str = "") -> c.CreateOrder:
    return c.CreateOrder(
        store_id="s1",
        customer_id="c1",
        channel="online",
        lines=(LineRequest("TEA-1", 1),),
        shipping_address=ADDRESS,
        scope=ALICE,
        idempotency_key=key,
    )


def till() -> c.CreateOrder:
    return c.CreateOrder(
        store_id="s1",
        customer_id="walk-in",
        channel="pos",
        lines=(LineRequest("TEA-1", 1),),
        payment=Payment("cash", 1200),
        scope=c.Scope(store_id="s1", actor="till:1"),
    )


def placed(channel: str) -> float:
    return REGISTRY.get_sample_value("orders_placed_total", {"channel": channel}) or 0.0


def deadline_cancellations() -> float:
    return REGISTRY.get_sample_value("orders_payment_deadline_cancellations_total") or 0.0


async def test_orders_placed_are_counted_by_channel_and_a_replay_is_not(app: OrdersApp) -> None:
    before = {ch: placed(ch) for ch in ("online", "till")}
    await create_order(app.deps, online(key="k-1"))
    await create_order(app.deps, online(key="k-1"))  # the client's retry: answered again
    await create_order(app.deps, till())
    assert {ch: placed(ch) - before[ch] for ch in before} == {"online": 1, "till": 1}


async def test_payment_deadline_cancellations_are_counted(app: OrdersApp, clock: Any) -> None:
    overdue = answer.order(await create_order(app.deps, online()))
    paid = answer.order(await create_order(app.deps, online()))
    await pay_order(app.deps, c.PayOrder(paid.order_id, Payment("card", 1200), scope=ALICE))
    before = deadline_cancellations()
    clock.advance(3600)  # past the 30 min deadline and its grace
    assert await expire_overdue(app.deps) == 1
    assert await expire_overdue(app.deps) == 0
    assert deadline_cancellations() - before == 1
    got = answer.order(await get_order(app.deps, ALICE, overdue.order_id))
    assert got.status == pb.ORDER_STATUS_CANCELLED
