"""Timeline, review before shipping, address correction, and the payment deadline settled
deterministically against a racing payment (real SQL unit of work, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from chainkit.errors import Conflict, InvalidArgument, Unavailable
from chainstore.orders.v1 import orders_pb2 as pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp, bootstrap
from orders.service_layer import commands as c
from orders.service_layer import stores
from orders.service_layer.address import update_shipping_address
from orders.service_layer.create_order import create_order
from orders.service_layer.deps import Deps
from orders.service_layer.order_actions import (
    cancel_order,
    confirm_order,
    expire_overdue,
    pay_order,
    receive_order,
    retry_releases,
    ship_order,
)
from orders.service_layer.queries import get_order

ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
NEW_ADDRESS = Address("Li Lei", "13800000000", "north", "Beijing", "8 Chang'an Ave")
ALICE = c.Scope(customer_id="c1", actor="alice")
STAFF = c.Scope(store_id="s1", actor="clerk")
S = pb.OrderStatus


def online(*lines: tuple[str, int]) -> c.CreateOrder:
    return c.CreateOrder(
        store_id="s1",
        customer_id="c1",
        channel="online",
        lines=tuple(LineRequest(s, q) for s, q in lines),
        shipping_address=ADDRESS,
        scope=ALICE,
    )


def steps(order: pb.Order) -> list[tuple[str, str, str, str]]:
    name = S.Name
    return [
        (
            e.action,
            name(e.from_status).removeprefix("ORDER_STATUS_").lower(),
            name(e.status).removeprefix("ORDER_STATUS_").lower(),
            e.actor,
        )
        for e in order.timeline
    ]


async def test_every_step_is_in_the_timeline_with_who_when_and_why(
    app: OrdersApp, clock: Any
) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1), ("PEN-1", 2))))
    clock.advance(60)
    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 2200), scope=ALICE))
    with pytest.raises(Conflict, match="must be confirmed before it ships"):
        await ship_order(app.deps, c.ShipOrder(order.order_id, scope=STAFF))
    await confirm_order(app.deps, c.ConfirmOrder(order.order_no, scope=STAFF))
    await ship_order(app.deps, c.ShipOrder(order.order_id, scope=STAFF))
    await receive_order(app.deps, c.ReceiveOrder(order.order_id, scope=ALICE))

    got = answer.order(await get_order(app.deps, ALICE, order.order_no))
    assert steps(got) == [
        ("created", "unspecified", "pending_payment", "alice"),
        ("paid", "pending_payment", "paid", "alice"),
        ("confirmed", "paid", "paid", "clerk"),
        ("shipped", "paid", "shipped", "clerk"),
        ("completed", "shipped", "completed", "alice"),
    ]
    assert got.timeline[1].at.ToDatetime() > got.timeline[0].at.ToDatetime()
    assert got.timeline[1].reason == "card 2200"
    assert "2 shipment(s)" in got.timeline[3].reason

    # A disallowed transition is refused naming the status the order is in.
    with pytest.raises(Conflict, match=rf"cannot cancel order {got.order_no}: it is completed"):
        await cancel_order(app.deps, c.CancelOrder(order.order_id, scope=ALICE))


async def test_cancel_is_recorded_with_reason_and_refund(app: OrdersApp, inventory: Any) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("cash", 1200), scope=ALICE))
    done = answer.order(
        await cancel_order(app.deps, c.CancelOrder(order.order_id, "too slow", scope=STAFF))
    )
    assert steps(done)[-1] == ("cancelled", "paid", "cancelled", "clerk")
    assert done.timeline[-1].reason == "too slow; refund 1200"
    assert inventory.states[order.order_id] == "released"
    with pytest.raises(Conflict, match="it is cancelled"):
        await pay_order(app.deps, c.PayOrder(order.order_id, Payment("cash", 1200), scope=ALICE))


async def test_auto_confirming_store_ships_without_a_review(app: OrdersApp) -> None:
    await stores.update_store(app.deps, "s1", StoreSettings(auto_confirm=True))
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    paid = answer.order(
        await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 1200)))
    )
    assert [s[0] for s in steps(paid)] == ["created", "paid", "confirmed"]
    assert paid.timeline[-1].reason == "the store confirms automatically"
    shipped = answer.order(await ship_order(app.deps, c.ShipOrder(order.order_id)))
    assert shipped.status == S.ORDER_STATUS_SHIPPED


async def test_address_corrected_before_shipping_only(app: OrdersApp, probe: Any) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    bad = Address("", "", "north", "", "")
    with pytest.raises(InvalidArgument) as refused:
        await update_shipping_address(app.deps, c.UpdateShippingAddress(order.order_id, bad))
    assert {e.field for e in refused.value.errors} >= {"shipping_address.name"}

    fixed = answer.order(
        await update_shipping_address(
            app.deps,
            c.UpdateShippingAddress(order.order_id, NEW_ADDRESS, "moved house", scope=ALICE),
        )
    )
    assert fixed.shipping_address.region == "华北"
    assert steps(fixed)[-1] == ("address_corrected", "pending_payment", "pending_payment", "alice")
    assert fixed.timeline[-1].reason == "moved house (华东/Shanghai -> 华北/Beijing)"
    assert "orders.address_changed" in await probe.event_types()

    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 1200)))
    await confirm_order(app.deps, c.ConfirmOrder(order.order_id))
    await ship_order(app.deps, c.ShipOrder(order.order_id))
    with pytest.raises(Conflict, match=r"cannot correct the address of .*: it is shipped"):
        await update_shipping_address(
            app.deps, c.UpdateShippingAddress(order.order_id, ADDRESS, scope=ALICE)
        )


async def test_a_late_payment_is_refused_saying_when_the_deadline_passed(
    app: OrdersApp, clock: Any, inventory: Any
) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    clock.advance(1801)  # deadline 09:30 + 30 min; not yet swept (grace)
    # UTC, and the business day's clock beside it.
    deadline = r"2025-03-14T10:00:00Z \(2025-03-14 18:00:00 Asia/Shanghai\)"
    with pytest.raises(Conflict, match=rf"payment deadline passed at {deadline}"):
        await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 1200)))
    assert inventory.calls["commit"] == 0
    clock.advance(60)
    assert await expire_overdue(app.deps) == 1
    with pytest.raises(Conflict, match=r"it is cancelled \(payment deadline passed at 2025-03"):
        await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 1200)))
    got = answer.order(await get_order(app.deps, c.Scope(), order.order_id))
    assert steps(got)[-1] == (
        "cancelled",
        "pending_payment",
        "cancelled",
        "system:payment-deadline",
    )


class GatedInventory:
    """Wraps the fake inventory: commit waits for a gate, so a test can interleave."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def commit_reservation(self, reservation_id: str) -> None:
        self.entered.set()
        await self.gate.wait()
        await self.inner.commit_reservation(reservation_id)


@pytest.mark.parametrize("inventory_commits_first", [True, False])
async def test_a_payment_in_time_that_settles_after_the_claim_is_refused_and_units_return(
    app: OrdersApp, clock: Any, inventory: Any, probe: Any, inventory_commits_first: bool
) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 2))))
    gated = GatedInventory(inventory)
    payer = Deps(app.deps.uow, gated, app.deps.logistics, app.deps.clock)
    clock.advance(1799)  # received one second before the deadline
    paying = asyncio.create_task(
        pay_order(payer, c.PayOrder(order.order_id, Payment("card", 2400)))
    )
    await gated.entered.wait()
    if inventory_commits_first:
        await inventory.commit_reservation(order.order_id)  # as if it landed just now
    clock.advance(1000)  # ... but it hangs past deadline + grace, and the sweep claims
    assert await expire_overdue(app.deps) == 1
    gated.gate.set()
    with pytest.raises(Conflict, match="payment deadline passed at 2025-03-14T10:00:00Z"):
        await paying
    got = answer.order(await get_order(app.deps, c.Scope(), order.order_id))
    assert got.status == S.ORDER_STATUS_CANCELLED and not got.HasField("paid_at")
    assert inventory.states[order.order_id] == "released"
    assert inventory.stock[("wh-a", "TEA-1")] == 10  # committed units restocked too
    assert "orders.paid" not in await probe.event_types()


class JitteryInventory(GatedInventory):
    async def commit_reservation(self, reservation_id: str) -> None:
        await asyncio.sleep(random.random() / 200)
        await self.inner.commit_reservation(reservation_id)

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        await asyncio.sleep(random.random() / 200)
        await self.inner.release_reservation(reservation_id, reason)


async def test_racing_payments_and_two_sweeping_replicas_never_pay_and_cancel_one_order(
    app: OrdersApp, clock: Any, inventory: Any, probe: Any
) -> None:
    inventory.stock[("wh-b", "PEN-1")] = 1000
    jittery = JitteryInventory(inventory)
    deps = Deps(app.deps.uow, jittery, app.deps.logistics, app.deps.clock)
    orders = [answer.order(await create_order(deps, online(("PEN-1", 1)))) for _ in range(12)]
    clock.advance(1800 + 61)  # the sweep may claim now; payments still carry an in-time clock
    in_time = Deps(
        app.deps.uow,
        jittery,
        app.deps.logistics,
        lambda: orders[0].created_at.ToDatetime().replace(tzinfo=clock.now.tzinfo),
    )

    async def pay(o: pb.Order) -> str:
        try:
            await pay_order(in_time, c.PayOrder(o.order_id, Payment("card", 500)))
            return "paid"
        except Conflict as e:
            return "refused" if "payment deadline passed at" in e.message else e.message

    results = await asyncio.gather(
        *(pay(o) for o in orders), expire_overdue(deps), expire_overdue(deps)
    )
    outcomes, swept = results[: len(orders)], results[len(orders) :]
    assert set(outcomes) <= {"paid", "refused"}
    for o, outcome in zip(orders, outcomes, strict=True):
        got = answer.order(await get_order(app.deps, c.Scope(), o.order_id))
        state = inventory.states[o.order_id]
        if outcome == "paid":
            assert (got.status, state) == (S.ORDER_STATUS_PAID, "committed")
        else:
            assert (got.status, state) == (S.ORDER_STATUS_CANCELLED, "released")
    assert sum(swept) == outcomes.count("refused")  # each claimed once, by one replica
    events = await probe.event_types()
    assert events.count("orders.paid") == outcomes.count("paid")
    assert events.count("orders.cancelled") == outcomes.count("refused")
    assert await probe.count("ord_order") == 12


async def test_the_timer_survives_a_restart_and_retries_failed_releases(
    app: OrdersApp, clock: Any, inventory: Any, settings: Any, sessions: Any, logistics: Any
) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    # "Restart": a fresh application on the same database, nothing kept in memory.
    restarted = bootstrap(settings, sessions, inventory=inventory, logistics=logistics)
    deps = Deps(restarted.deps.uow, inventory, logistics, clock)
    clock.advance(1800 + 61)

    async def down(reservation_id: str, reason: str) -> None:
        raise Unavailable("inventory unavailable")

    real_release = inventory.release_reservation
    inventory.release_reservation = down
    assert await expire_overdue(deps) == 1
    got = answer.order(await get_order(deps, c.Scope(), order.order_id))
    assert got.status == S.ORDER_STATUS_CANCELLED
    assert inventory.states[order.order_id] == "held"
    assert await retry_releases(deps) == 0  # still down: stays pending
    inventory.release_reservation = real_release
    assert await retry_releases(deps) == 1
    assert inventory.states[order.order_id] == "released"
    assert await retry_releases(deps) == 0


async def test_every_event_carries_store_customer_lines_and_region(
    app: OrdersApp, sessions: Any
) -> None:
    from sqlalchemy import select

    from chainkit import events
    from chainkit.outbox import OutboxMessage
    from chainstore.orders.v1 import events_pb2

    kept = answer.order(await create_order(app.deps, online(("TEA-1", 1), ("MUG-1", 1))))
    await pay_order(app.deps, c.PayOrder(kept.order_id, Payment("card", 4200)))
    await confirm_order(app.deps, c.ConfirmOrder(kept.order_id))
    await ship_order(app.deps, c.ShipOrder(kept.order_id))
    await receive_order(app.deps, c.ReceiveOrder(kept.order_id))
    dropped = answer.order(await create_order(app.deps, online(("PEN-1", 1))))
    await cancel_order(app.deps, c.CancelOrder(dropped.order_id, "no longer needed"))

    payload_of = {
        "orders.created": events_pb2.OrderCreated,
        "orders.paid": events_pb2.OrderPaid,
        "orders.confirmed": events_pb2.OrderConfirmed,
        "orders.shipped": events_pb2.OrderShipped,
        "orders.completed": events_pb2.OrderCompleted,
        "orders.cancelled": events_pb2.OrderCancelled,
    }
    async with sessions() as s:
        rows = (await s.execute(select(OutboxMessage.data))).scalars().all()  # type: ignore[call-overload]
    seen = set()
    for data in rows:
        env = events.parse(data)
        msg = events.unpack(env, payload_of[env.type])
        order = msg.order
        seen.add(env.type)
        assert env.store_id == order.store_id == "s1"
        assert order.customer_id == "c1"
        assert order.shipping_address.region == "华东"
        assert order.lines and all(
            line.category and line.amount == line.qty * line.unit_price for line in order.lines
        )
        assert order.total == sum(line.amount for line in order.lines)
        assert order.timeline[-1].action  # the step that caused the event
    assert seen == set(payload_of)
