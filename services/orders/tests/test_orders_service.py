"""Use cases through the real SQL unit of work (SQLite and PostgreSQL) with fake peers."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from chainkit.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from chainstore.orders.v1 import orders_pb2 as pb
from orders.adapters import order_messages
from orders.domain.lines import LineRequest, StockShortfall
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp, bootstrap
from orders.service_layer import commands as c
from orders.service_layer import stores
from orders.service_layer.create_order import create_order
from orders.service_layer.idempotency import idempotency_for
from orders.service_layer.order_actions import (
    cancel_order,
    confirm_order,
    expire_overdue,
    pay_order,
    receive_order,
    ship_order,
)
from orders.service_layer.queries import get_order, list_orders

ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
ME = c.Scope(customer_id="c1", actor="user:c1")


def online(
    *lines: tuple[str, int], key: str = "", customer: str = "c1", **kw: Any
) -> c.CreateOrder:
    fields: dict[str, Any] = {
        "store_id": "s1",
        "customer_id": customer,
        "channel": "online",
        "lines": tuple(LineRequest(s, q) for s, q in lines),
        "shipping_address": ADDRESS,
        "scope": c.Scope(actor=f"user:{customer}"),
        "idempotency_key": key,
    }
    return c.CreateOrder(**(fields | kw))


def pos(*lines: tuple[str, int], amount: int, key: str = "") -> c.CreateOrder:
    return c.CreateOrder(
        store_id="s1",
        customer_id="walk-in",
        channel="pos",
        lines=tuple(LineRequest(s, q) for s, q in lines),
        payment=Payment("cash", amount),
        scope=c.Scope(store_id="s1", actor="till:1"),
        idempotency_key=key,
    )


async def test_create_online_order_reserves_and_awaits_payment(app: OrdersApp, probe: Any) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 2), ("PEN-1", 1))))
    assert order.status == pb.ORDER_STATUS_PENDING_PAYMENT
    assert order.order_no == "20250314-s1-000001"
    assert order.total == 2 * 1200 + 500
    assert [(line.sku, line.name, line.amount) for line in order.lines] == [
        ("TEA-1", "Green Tea", 2400),
        ("PEN-1", "Red Pen", 500),
    ]
    assert {(a.location_id, a.sku, a.qty) for a in order.allocations} == {
        ("wh-a", "TEA-1", 2),
        ("wh-b", "PEN-1", 1),
    }
    now = app.deps.clock()
    assert order.payment_due_at.ToDatetime() == (now + timedelta(seconds=1800)).replace(tzinfo=None)
    assert await probe.event_types() == ["orders.created"]
    again = answer.order(await get_order(app.deps, ME, order.order_no))
    assert again == order
    second = answer.order(await create_order(app.deps, online(("PEN-1", 1))))
    assert second.order_no == "20250314-s1-000002"


async def test_insufficient_stock_is_a_conflict_with_what_is_available_and_nothing_persists(
    app: OrdersApp, probe: Any
) -> None:
    with pytest.raises(Conflict) as refused:
        await create_order(app.deps, online(("MUG-1", 6)))
    assert refused.value.details == StockShortfall((("MUG-1", 5),))
    for table in ("ord_order", "ord_order_line", "ord_idempotency", "ord_counter", "outbox"):
        assert await probe.count(table) == 0


async def test_bad_requests_name_the_field(app: OrdersApp, inventory: Any) -> None:
    with pytest.raises(InvalidArgument) as bad:
        await create_order(app.deps, online(("TEA-1", 1), ("NOPE", 1)))
    assert [e.field for e in bad.value.errors] == ["lines[1].sku"]
    with pytest.raises(InvalidArgument) as bad:
        await create_order(app.deps, online(("TEA-1", 0)))
    assert {e.field for e in bad.value.errors} == {"lines[0].qty"}
    no_address = c.CreateOrder("s1", "c1", "online", (LineRequest("TEA-1", 1),))
    with pytest.raises(InvalidArgument) as bad:
        await create_order(app.deps, no_address)
    assert [e.field for e in bad.value.errors] == ["shipping_address"]
    with pytest.raises(InvalidArgument):
        await create_order(app.deps, c.CreateOrder("zz", "c1", "online", (), ADDRESS))
    assert inventory.calls["reserve"] == 0


async def test_unknown_skus_are_named_exactly_not_by_a_prefix_of_another(app: OrdersApp) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await create_order(app.deps, online(("TEA-1", 1), ("TEA-10", 1)))
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("lines[1].sku", "unknown SKU TEA-10")
    ]


async def test_idempotent_replay_and_key_reuse_with_another_request(
    app: OrdersApp, inventory: Any, probe: Any
) -> None:
    first = answer.order(await create_order(app.deps, online(("TEA-1", 1), key="k1")))
    replay = answer.order(await create_order(app.deps, online(("TEA-1", 1), key="k1")))
    assert replay == first
    # The retry asked inventory again under the same id, which holds nothing more.
    assert list(inventory.reservations) == [first.order_id]
    assert sum(n for (_, sku), n in inventory.stock.items() if sku == "TEA-1") == 12
    with pytest.raises(InvalidArgument, match="reused with a different request"):
        await create_order(app.deps, online(("TEA-1", 2), key="k1"))
    # The same key from another actor is another request altogether.
    other = answer.order(
        await create_order(app.deps, online(("TEA-1", 1), key="k1", customer="c2"))
    )
    assert other.order_id != first.order_id
    assert await probe.count("ord_order") == 2


async def test_concurrent_retries_reserve_once_and_answer_alike(
    app: OrdersApp, inventory: Any, probe: Any
) -> None:
    answers = [
        answer.order(a)
        for a in await asyncio.gather(
            *(create_order(app.deps, online(("TEA-1", 2), key="race")) for _ in range(5))
        )
    ]
    assert len({a.SerializeToString() for a in answers}) == 1
    assert len(inventory.reservations) == 1
    assert inventory.stock[("wh-a", "TEA-1")] == 8
    assert await probe.count("ord_order") == 1
    assert await probe.event_types() == ["orders.created"]


async def test_pos_sale_completes_at_once_and_a_retry_never_sells_twice(
    app: OrdersApp, inventory: Any, probe: Any
) -> None:
    answers = [
        answer.order(a)
        for a in await asyncio.gather(
            *(
                create_order(app.deps, pos(("TEA-1", 2), amount=2400, key="till-1"))
                for _ in range(3)
            )
        )
    ]
    sale = answers[0]
    assert all(a == sale for a in answers)
    assert sale.status == pb.ORDER_STATUS_COMPLETED
    assert sale.paid_at == sale.completed_at
    assert [(a.location_id, a.qty) for a in sale.allocations] == [("st-1", 2)]
    assert inventory.stock[("st-1", "TEA-1")] == 1
    assert len(inventory.sales) == 1
    assert await probe.event_types() == ["orders.created", "orders.paid", "orders.completed"]
    with pytest.raises(InvalidArgument) as bad:
        await create_order(app.deps, pos(("TEA-1", 1), amount=1))
    assert [e.field for e in bad.value.errors] == ["payment.amount"]
    with pytest.raises(Conflict) as refused:
        await create_order(app.deps, pos(("TEA-1", 5), amount=6000))
    assert refused.value.details == StockShortfall((("TEA-1", 1),))
    assert len(inventory.sales) == 1


async def test_pay_confirm_ship_and_receive(
    app: OrdersApp, inventory: Any, logistics: Any, probe: Any
) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 2), ("PEN-1", 3))))
    ref = order.order_id
    with pytest.raises(InvalidArgument):
        await pay_order(app.deps, c.PayOrder(ref, Payment("card", 1), scope=ME))
    paid = answer.order(
        await pay_order(app.deps, c.PayOrder(ref, Payment("wechat_pay", 3900), scope=ME))
    )
    assert paid.status == pb.ORDER_STATUS_PAID
    assert paid.payment.method == "wechat_pay"
    assert inventory.states[ref] == "committed"
    with pytest.raises(Conflict, match="it is paid"):
        await pay_order(app.deps, c.PayOrder(ref, Payment("card", 3900), scope=ME))
    confirmed = answer.order(await confirm_order(app.deps, c.ConfirmOrder(order.order_no)))
    assert confirmed.HasField("confirmed_at")
    shipped = answer.order(await ship_order(app.deps, c.ShipOrder(ref, carrier="steady")))
    assert shipped.status == pb.ORDER_STATUS_SHIPPED
    assert {(s.location_id, s.carrier) for s in shipped.shipments} == {
        ("wh-a", "steady"),
        ("wh-b", "steady"),
    }
    weights = {p.location_id: p.weight_g for p in logistics.packages}
    assert weights == {"wh-a": 2 * 250, "wh-b": 3 * 20}
    with pytest.raises(Conflict, match=r"cannot cancel .*: it is shipped"):
        await cancel_order(app.deps, c.CancelOrder(ref))
    done = answer.order(await receive_order(app.deps, c.ReceiveOrder(ref, scope=ME)))
    assert done.status == pb.ORDER_STATUS_COMPLETED
    assert await probe.event_types() == [
        "orders.created",
        "orders.paid",
        "orders.confirmed",
        "orders.shipped",
        "orders.completed",
    ]


async def test_reserve_gets_the_parcels_point_and_shipping_names_the_stores_region(
    app: OrdersApp, inventory: Any, logistics: Any
) -> None:
    """Inventory's "nearest" strategy needs the destination's coordinates; logistics routes
    faster within a region, and orders knows the region of one origin: the store's own."""
    located = Address("Li Lei", "138", "east", "Shanghai", "1 Rd", lat=31.23, lon=121.47)
    inventory.stock[("wh-a", "TEA-1")] = 0  # TEA from the store's own location st-1
    order = answer.order(
        await create_order(app.deps, online(("TEA-1", 1), ("PEN-1", 1), shipping_address=located))
    )
    assert inventory.destinations[order.order_id] == (31.23, 121.47)
    plain = answer.order(await create_order(app.deps, online(("PEN-1", 1))))
    assert inventory.destinations[plain.order_id] is None  # no point: region first

    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", order.total)))
    await confirm_order(app.deps, c.ConfirmOrder(order.order_id))
    await ship_order(app.deps, c.ShipOrder(order.order_id))
    origins = {p.location_id: p.origin_region for p in logistics.packages}
    assert origins == {"st-1": "华东", "wh-b": ""}


async def test_cancel_releases_and_refunds_a_paid_order(
    app: OrdersApp, inventory: Any, probe: Any
) -> None:
    pending = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    cancelled = answer.order(
        await cancel_order(app.deps, c.CancelOrder(pending.order_id, "changed my mind"))
    )
    assert cancelled.status == pb.ORDER_STATUS_CANCELLED
    assert cancelled.cancel_reason == "changed my mind"
    assert inventory.states[pending.order_id] == "released"
    assert inventory.stock[("wh-a", "TEA-1")] == 10
    paid = answer.order(await create_order(app.deps, online(("PEN-1", 1))))
    await pay_order(app.deps, c.PayOrder(paid.order_id, Payment("cash", 500)))
    key = "cancel-1"
    first = answer.order(
        await cancel_order(app.deps, c.CancelOrder(paid.order_id, idempotency_key=key))
    )
    assert (
        answer.order(
            await cancel_order(app.deps, c.CancelOrder(paid.order_id, idempotency_key=key))
        )
        == first
    )
    assert await probe.event_types() == [
        "orders.created",
        "orders.cancelled",
        "orders.created",
        "orders.paid",
        "orders.cancelled",
    ]


async def test_overdue_orders_are_cancelled_and_paid_ones_never(
    app: OrdersApp, clock: Any, inventory: Any
) -> None:
    late = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    paid = answer.order(await create_order(app.deps, online(("PEN-1", 1))))
    await pay_order(app.deps, c.PayOrder(paid.order_id, Payment("cash", 500)))
    clock.advance(1800 + 61)
    assert await expire_overdue(app.deps) == 1
    assert (
        answer.order(await get_order(app.deps, c.Scope(), late.order_id))
    ).status == pb.ORDER_STATUS_CANCELLED
    assert (
        answer.order(await get_order(app.deps, c.Scope(), paid.order_id))
    ).status == pb.ORDER_STATUS_PAID
    assert inventory.states[late.order_id] == "released"
    assert await expire_overdue(app.deps) == 0


async def test_scope_hides_other_peoples_orders(app: OrdersApp) -> None:
    order = answer.order(await create_order(app.deps, online(("TEA-1", 1))))
    for scope in (c.Scope(customer_id="c2"), c.Scope(store_id="s2")):
        with pytest.raises(NotFound):
            await get_order(app.deps, scope, order.order_id)
        with pytest.raises(NotFound):
            await pay_order(
                app.deps, c.PayOrder(order.order_id, Payment("card", 1200), scope=scope)
            )
        with pytest.raises(NotFound):
            await cancel_order(app.deps, c.CancelOrder(order.order_no, scope=scope))
        items, _ = await list_orders(app.deps, c.ListOrders(scope=scope))
        assert items == []
    assert (
        answer.order(await get_order(app.deps, c.Scope(store_id="s1"), order.order_no))
    ) == order
    items, _ = await list_orders(
        app.deps, c.ListOrders(scope=c.Scope(customer_id="c2"), customer_id="c1")
    )
    assert items == []
    with pytest.raises(PermissionDenied):
        await create_order(app.deps, online(("TEA-1", 1), scope=c.Scope(customer_id="c2")))


async def test_list_orders_newest_first_with_filters_and_cursor_pages(
    app: OrdersApp, clock: Any
) -> None:
    made = []
    for i in range(7):
        customer = "c1" if i % 2 == 0 else "c2"
        lines = ("MUG-1", 1) if i == 3 else ("PEN-1", 1)
        made.append(answer.order(await create_order(app.deps, online(lines, customer=customer))))
        clock.advance(60)
    await pay_order(app.deps, c.PayOrder(made[4].order_id, Payment("card", 500)))
    newest_first = [o.order_no for o in reversed(made)]

    seen, cursor = [], ""
    while True:
        items, cursor = await list_orders(app.deps, c.ListOrders(limit=3, cursor=cursor))
        seen += [o.order_no for o in items]
        if not cursor:
            break
    assert seen == newest_first

    async def numbers(**kw: Any) -> list[str]:
        items, _ = await list_orders(app.deps, c.ListOrders(**kw))
        return [o.order_no for o in items]

    assert await numbers(scope=ME) == [made[i].order_no for i in (6, 4, 2, 0)]
    assert await numbers(customer_id="c2", limit=2) == [made[5].order_no, made[3].order_no]
    assert await numbers(status="paid") == [made[4].order_no]
    assert await numbers(q="blue mug") == [made[3].order_no]
    assert await numbers(q=made[2].order_no) == [made[2].order_no]
    assert len(await numbers(q="20250314-s1-00000")) == 7
    start = made[0].created_at.ToDatetime().replace(tzinfo=clock.now.tzinfo)
    window = await numbers(
        created_from=start + timedelta(seconds=60), created_to=start + timedelta(seconds=180)
    )
    assert window == [made[2].order_no, made[1].order_no]
    assert await numbers(store_id="s9") == []
    with pytest.raises(InvalidArgument):
        await numbers(cursor="not-a-cursor")
    # A cursor the previous release issued (base64 of [created_at, order_id]) still continues.
    third = made[4]
    at = third.created_at.ToDatetime().replace(tzinfo=clock.now.tzinfo).isoformat()
    old = base64.urlsafe_b64encode(json.dumps([at, third.order_id]).encode()).decode()
    assert await numbers(cursor=old.rstrip("="), limit=2) == [made[3].order_no, made[2].order_no]
    with pytest.raises(InvalidArgument):
        await numbers(limit=500)
    with pytest.raises(InvalidArgument):
        await numbers(status="lost")


async def test_a_retry_answers_the_first_call_even_when_it_could_not_be_placed_now(
    app: OrdersApp, inventory: Any, probe: Any
) -> None:
    first = answer.order(await create_order(app.deps, online(("TEA-1", 1), key="k1")))
    inventory.stock.clear()  # sold out since, and the retry's hold is a replay anyway
    inventory.withdrawn.add("TEA-1")  # the product withdrawn from the catalogue
    assert answer.order(await create_order(app.deps, online(("TEA-1", 1), key="k1"))) == first
    with pytest.raises(InvalidArgument, match="unknown SKU"):
        await create_order(app.deps, online(("TEA-1", 1), key="k2"))
    assert await probe.count("ord_order") == 1


async def test_a_placement_builds_its_order_message_once(
    app: OrdersApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its events, its stored answer and the reply share one message (the hot path)."""
    built = []
    build = order_messages._build_order_pb

    def counted(order: Any) -> Any:
        built.append(order.order_id)
        return build(order)

    monkeypatch.setattr(order_messages, "_build_order_pb", counted)
    for ordered in (online(("TEA-1", 1), key="k1"), pos(("TEA-1", 1), amount=1200, key="k2")):
        placed = answer.order(await create_order(app.deps, ordered))
        assert built == [placed.order_id]
        built.clear()


async def test_concurrent_placements_are_numbered_once_each_none_skipped(
    app: OrdersApp, probe: Any
) -> None:
    placed = await asyncio.gather(
        *(create_order(app.deps, online(("PEN-1", 1), customer=f"c{i}")) for i in range(20))
    )
    numbers = sorted(int(o.order_no.rsplit("-", 1)[1]) for o in placed)
    assert numbers == list(range(1, 21))  # one per order, none skipped, none twice
    assert await probe.count("ord_order") == 20
    assert await probe.event_types() == ["orders.created"] * 20


async def test_one_refused_placement_never_fails_its_batch(app: OrdersApp, probe: Any) -> None:
    good = [create_order(app.deps, online(("PEN-1", 1), customer=f"c{i}")) for i in range(5)]
    bad = create_order(app.deps, online(("PEN-1", 1), key="k1", customer="c9"))
    first = await bad
    twin = create_order(app.deps, online(("PEN-1", 2), key="k1", customer="c9"))
    answers = [
        a if isinstance(a, BaseException) else answer.order(a)
        for a in await asyncio.gather(*good, twin, return_exceptions=True)
    ]
    assert all(isinstance(a, pb.Order) for a in answers[:5])
    assert isinstance(answers[5], InvalidArgument)
    assert await probe.count("ord_order") == 6
    assert first.order_id not in {a.order_id for a in answers[:5] if isinstance(a, pb.Order)}


async def test_store_settings_are_kept_for_a_bounded_time_and_dropped_at_once_where_changed(
    settings: Any, sessions: Any, inventory: Any, logistics: Any
) -> None:
    kept = settings.model_copy(update={"master_data_ttl_s": 0.5})
    here = bootstrap(kept, sessions, inventory=inventory, logistics=logistics)
    there = bootstrap(kept, sessions, inventory=inventory, logistics=logistics)
    await stores.create_store(
        here.deps,
        store_id="s1",
        name="Xintiandi",
        region="east",
        city="Shanghai",
        kind="direct",
        location_id="st-1",
        settings=StoreSettings(payment_timeout_s=600),
    )

    def timeout_of(order: pb.Order) -> int:
        return order.payment_due_at.seconds - order.created_at.seconds

    assert (
        timeout_of(answer.order(await create_order(there.deps, online(("PEN-1", 1))))) == 600
    )  # kept there
    await stores.update_store(here.deps, "s1", StoreSettings(payment_timeout_s=900))
    assert timeout_of(answer.order(await create_order(here.deps, online(("PEN-1", 1))))) == 900
    assert timeout_of(answer.order(await create_order(there.deps, online(("PEN-1", 1))))) == 600
    await asyncio.sleep(0.6)  # the bound: another replica reads it again
    assert timeout_of(answer.order(await create_order(there.deps, online(("PEN-1", 1))))) == 900


def test_request_hashes_stay_what_earlier_releases_stored() -> None:
    """A retry across an upgrade must still match its stored answer: these are the hashes
    the releases before stored (dataclasses.asdict of the command, as JSON)."""
    address = Address(
        name="李雷",
        phone="13800000000",
        region="华东",
        city="上海",
        line1="1 Rd",
        lat=31.2,
        lon=121.4,
    )
    lines = (LineRequest("TEA-1", 2), LineRequest("PEN-1", 1))
    me = c.Scope(actor="u")
    online_cmd = c.CreateOrder("s1", "c1", "online", lines, address, scope=me, idempotency_key="k")
    till = c.CreateOrder(
        "s1", "c1", "pos", lines[:1], None, Payment("wechat_pay", 100, "ref"), scope=me,
        idempotency_key="k",
    )  # fmt: skip
    assert idempotency_for("create", online_cmd).request_hash == (
        "e0fa97b2c054a9efece168482f34c1cd6bd976293a7e586e37bf8225baf708f8"
    )
    assert idempotency_for("create", till).request_hash == (
        "10e50bffb6c45d8b87e64ea84878dec035a84c4922bf4fadff809e9e8306f580"
    )
