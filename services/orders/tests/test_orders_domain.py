"""The order model on its own: state machine, payment rules, numbers, store settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from chainkit.errors import Conflict, InvalidArgument
from orders.domain.events import (
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderCreated,
    OrderPaid,
    OrderShipped,
)
from orders.domain.lines import LineRequest, OrderLine, validate_line_requests
from orders.domain.numbering import looks_like_order_number, order_number
from orders.domain.order import Address, Allocation, Order, OrderStatus, Payment, Shipment
from orders.domain.store import Store, StoreSettings

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
S = OrderStatus


def store(**settings: object) -> Store:
    return Store.create(
        store_id="s1",
        name="Store",
        region="east",
        city="Shanghai",
        kind="direct",
        location_id="st-1",
        settings=StoreSettings(**settings),  # type: ignore[arg-type]
    )


def online_order() -> Order:
    return Order.place_online(
        order_id="o1",
        order_no="20250314-s1-000001",
        store=store(),
        customer_id="c1",
        lines=[
            OrderLine("TEA-1", "Green Tea", "drinks", 2, 1200, 2400, 250),
            OrderLine("PEN-1", "Red Pen", "office", 3, 500, 1500, 20),
        ],
        shipping_address=Address("Li", "138", "east", "Shanghai", "1 Rd"),
        allocations=[
            Allocation("wh-a", "TEA-1", 2),
            Allocation("wh-b", "PEN-1", 1),
            Allocation("wh-a", "PEN-1", 2),
        ],
        now=NOW,
    )


def in_status(status: OrderStatus) -> Order:
    order = online_order()
    if status is S.CANCELLED:
        order.cancel("changed my mind", NOW)
        return order
    if status is S.PENDING_PAYMENT:
        return order
    order.pay(Payment("alipay", 3900), NOW)
    if status is S.PAID:
        return order
    order.confirm(NOW)
    order.ship([Shipment("x1", "wh-a", "swift", "W1"), Shipment("x2", "wh-b", "swift", "W2")], NOW)
    if status is S.SHIPPED:
        return order
    order.receive(NOW)
    return order


ACTIONS: dict[str, Callable[[Order], object]] = {
    "pay": lambda o: o.pay(Payment("card", o.total), NOW),
    "confirm": lambda o: o.confirm(NOW),
    "cancel": lambda o: o.cancel("r", NOW),
    # (the confirmation rule has its own test)
    "ship": lambda o: o.ship(
        [Shipment("x1", "wh-a", "c", "W"), Shipment("x2", "wh-b", "c", "W")], NOW, auto_confirm=True
    ),
    "receive": lambda o: o.receive(NOW),
}
ALLOWED = {
    ("pay", S.PENDING_PAYMENT),
    ("confirm", S.PAID),
    ("cancel", S.PENDING_PAYMENT),
    ("cancel", S.PAID),
    ("ship", S.PAID),
    ("receive", S.SHIPPED),
}
DISALLOWED = [(a, s) for a in ACTIONS for s in S if (a, s) not in ALLOWED]


def test_a_new_online_order_awaits_payment_until_the_store_deadline() -> None:
    order = online_order()
    assert order.status is S.PENDING_PAYMENT
    assert order.total == 3900
    assert order.payment_due_at == NOW + timedelta(seconds=1800)


def test_an_order_records_what_happened_to_it_for_the_unit_of_work_to_publish() -> None:
    order = online_order()
    order.pay(Payment("alipay", 3900), NOW, auto_confirm=True)
    order.ship(
        [Shipment("shp-1", "wh-a", "swift", "SW1"), Shipment("shp-2", "wh-b", "swift", "SW2")], NOW
    )
    order.mark_delivered("shp-1", NOW)
    assert order.events == [OrderCreated(), OrderPaid(), OrderConfirmed(), OrderShipped()]
    order.mark_delivered("shp-2", NOW)  # the last one completes it
    assert order.events[-1] == OrderCompleted()
    refunded = in_status(S.PAID)
    refunded.cancel("out of stock", NOW)
    assert refunded.events[-1] == OrderCancelled(refunded=True)
    assert online_order() == online_order()  # not part of what an order is


@pytest.mark.parametrize(("action", "status"), DISALLOWED)
def test_every_disallowed_transition_is_a_conflict_naming_the_status(
    action: str, status: OrderStatus
) -> None:
    order = in_status(status)
    with pytest.raises(Conflict, match=f"cannot {action} .*: it is {status.value}"):
        ACTIONS[action](order)
    assert order.status is status


@pytest.mark.parametrize(("action", "status"), sorted(ALLOWED))
def test_allowed_transitions(action: str, status: OrderStatus) -> None:
    order = in_status(status)
    ACTIONS[action](order)
    expected = {
        "pay": S.PAID,
        "confirm": S.PAID,
        "cancel": S.CANCELLED,
        "ship": S.SHIPPED,
        "receive": S.COMPLETED,
    }
    assert order.status is expected[action]


def test_pay_requires_a_known_method_and_the_exact_total() -> None:
    order = online_order()
    with pytest.raises(InvalidArgument) as bad:
        order.pay(Payment("bitcoin", 3899), NOW)
    assert {e.field for e in bad.value.errors} == {"payment.method", "payment.amount"}
    for method in ("cash", "card", "wechat_pay", "alipay"):
        online_order().pay(Payment(method, 3900), NOW)


def test_pay_after_the_deadline_is_refused() -> None:
    order = online_order()
    with pytest.raises(Conflict, match="deadline"):
        order.pay(Payment("card", 3900), NOW + timedelta(seconds=1801))
    assert order.is_overdue(NOW + timedelta(seconds=1801))


def test_auto_confirm_confirms_on_payment_and_confirm_twice_is_refused() -> None:
    order = online_order()
    order.pay(Payment("card", 3900), NOW, auto_confirm=True)
    assert order.confirmed_at == NOW
    with pytest.raises(Conflict, match="already confirmed"):
        order.confirm(NOW)


def test_cancel_after_payment_refunds() -> None:
    pending, paid = online_order(), in_status(S.PAID)
    assert pending.cancel("r", NOW) is False
    assert paid.cancel("r", NOW) is True
    assert paid.refunded_amount == 3900


def test_packages_one_per_location_weighing_their_units() -> None:
    packages = {p.location_id: p for p in online_order().packages()}
    assert packages["wh-a"].lines == (("TEA-1", 2), ("PEN-1", 2))
    assert packages["wh-a"].weight_g == 2 * 250 + 2 * 20
    assert packages["wh-b"].weight_g == 20


def test_shipped_only_when_every_package_left() -> None:
    order = in_status(S.PAID)
    order.confirm(NOW)
    with pytest.raises(Conflict, match="wh-b"):
        order.ship([Shipment("x1", "wh-a", "swift", "W1")], NOW)
    assert order.status is S.PAID


def test_completed_when_all_shipments_delivered_once() -> None:
    order = in_status(S.SHIPPED)
    assert order.mark_delivered("x1", NOW) is False
    assert order.mark_delivered("x1", NOW) is False
    assert order.status.value == "shipped"
    assert order.mark_delivered("x2", NOW) is True
    assert order.status is S.COMPLETED
    assert order.mark_delivered("x2", NOW) is False


def test_pos_sale_is_completed_at_once_and_needs_the_exact_amount() -> None:
    line = OrderLine("TEA-1", "Green Tea", "drinks", 1, 1200, 1200, 250)
    kwargs = {"order_id": "o", "order_no": "n", "store": store(), "customer_id": "c"}
    with pytest.raises(InvalidArgument):
        Order.sell_at_till(**kwargs, lines=[line], payment=Payment("cash", 1000), now=NOW)  # type: ignore[arg-type]
    order = Order.sell_at_till(**kwargs, lines=[line], payment=Payment("cash", 1200), now=NOW)  # type: ignore[arg-type]
    assert order.status is S.COMPLETED
    assert order.paid_at == order.completed_at == NOW
    assert order.allocations == [Allocation("st-1", "TEA-1", 1, "sold at the till")]


def test_order_number_format() -> None:
    number = order_number(date(2025, 3, 4), "sh-001", 7)
    assert number == "20250304-sh-001-000007"
    assert looks_like_order_number(number)
    assert not looks_like_order_number("9b2f1c1e-0000-4000-8000-000000000000")
    assert order_number(date(2025, 3, 4), "s", 1_234_567).endswith("-1234567")
    with pytest.raises(ValueError, match="start at 1"):
        order_number(date(2025, 3, 4), "s", 0)


def test_line_requests_are_validated_with_field_names() -> None:
    errors = validate_line_requests([LineRequest("A", 1), LineRequest("", 1), LineRequest("A", 0)])
    assert {(e.field, e.message.split()[0]) for e in errors} == {
        ("lines[1].sku", "is"),
        ("lines[2].sku", "A"),
        ("lines[2].qty", "must"),
    }
    assert validate_line_requests([])[0].field == "lines"


def test_store_defaults_depend_on_kind_and_settings_are_validated() -> None:
    direct = store()
    assert (direct.payment_timeout_s, direct.auto_confirm, direct.share_stock_online) == (
        1800,
        False,
        True,
    )
    assert direct.allocation_strategy == "region_priority"
    franchise = Store.create(
        store_id="f1", name="F", region="r", city="c", kind="franchise", location_id="l"
    )
    assert franchise.share_stock_online is False
    with pytest.raises(InvalidArgument) as bad:
        direct.updated(StoreSettings(payment_timeout_s=5, allocation_strategy="random"))
    assert {e.field for e in bad.value.errors} == {"payment_timeout_s", "allocation_strategy"}
    with pytest.raises(InvalidArgument):
        Store.create(store_id="", name="x", region="r", city="c", kind="mall", location_id="")
    assert direct.updated(StoreSettings(auto_confirm=True)).auto_confirm is True


def test_store_shipping_settings_default_and_are_validated() -> None:
    direct = store()
    assert (direct.preferred_carrier, direct.service_level) == ("", "standard")
    chosen = store(preferred_carrier="steady", service_level="express")
    assert (chosen.preferred_carrier, chosen.service_level) == ("steady", "express")
    assert chosen.updated(StoreSettings(preferred_carrier="")).preferred_carrier == ""
    with pytest.raises(InvalidArgument) as bad:
        direct.updated(StoreSettings(preferred_carrier="Steady Co!", service_level="overnight"))
    assert {e.field for e in bad.value.errors} == {"preferred_carrier", "service_level"}
    assert "express, standard, economy" in bad.value.errors[1].message
    with pytest.raises(InvalidArgument) as empty_level:
        store(service_level="")
    assert [e.field for e in empty_level.value.errors] == ["service_level"]
