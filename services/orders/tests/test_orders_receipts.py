"""Till receipts (小票) and payment references: what a paid order prints, in the business
time zone, under the same scope rules as the order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chainkit.errors import Conflict, InvalidArgument, NotFound
from chainstore.orders.v1 import orders_pb2 as pb
from orders.adapters.order_messages import receipt_pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.service_layer import commands as c
from orders.service_layer import queries
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import cancel_order, pay_order

ADDRESS = Address("李雷", "13800000000", "east", "上海", "南京东路 1 号")
WECHAT_TXN = "4200001234202503150012345678"


async def test_a_till_sale_records_its_reference_and_prints_a_receipt(
    app: OrdersApp, clock: Any
) -> None:
    clock.now = datetime(2025, 3, 14, 16, 30, 5, tzinfo=UTC)  # 00:30:05 in Shanghai
    sale = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                "s1",
                "walk-in",
                "pos",
                (LineRequest("TEA-1", 2),),
                payment=Payment("wechat_pay", 2400, WECHAT_TXN),
                scope=c.Scope(store_id="s1", actor="till-1"),
            ),
        )
    )
    assert sale.payment.reference == WECHAT_TXN and sale.time_zone == "Asia/Shanghai"
    stored = answer.order(await queries.get_order(app.deps, c.Scope(), sale.order_no))
    assert stored.payment.reference == WECHAT_TXN  # persisted, not only echoed

    receipt = receipt_pb(await queries.get_receipt(app.deps, c.Scope(store_id="s1"), sale.order_no))
    assert (receipt.order_no, receipt.store_name, receipt.store_city) == (
        "20250315-s1-000001",
        "People's Square",
        "Shanghai",
    )
    assert (receipt.local_time, receipt.time_zone) == ("2025-03-15 00:30:05", "Asia/Shanghai")
    assert receipt.paid_at.ToDatetime(tzinfo=UTC) == clock.now
    assert [(x.sku, x.name, x.spec, x.qty, x.unit_price, x.amount) for x in receipt.lines] == [
        ("TEA-1", "Green Tea", "250g", 2, 1200, 2400)
    ]
    assert [x.spec for x in stored.lines] == ["250g"]  # the spec when it was sold, kept
    assert (receipt.total, receipt.units, receipt.currency) == (2400, 2, "CNY")
    assert (receipt.payment.method, receipt.payment.reference) == ("wechat_pay", WECHAT_TXN)
    assert receipt.channel == pb.CHANNEL_POS and receipt.status == pb.ORDER_STATUS_COMPLETED


async def test_an_online_order_has_a_receipt_once_paid_and_keeps_it_when_refunded(
    app: OrdersApp, clock: Any
) -> None:
    placed = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                "s1", "c1", "online", (LineRequest("MUG-1", 1),), shipping_address=ADDRESS
            ),
        )
    )
    with pytest.raises(Conflict, match="no receipt: unpaid"):
        await queries.get_receipt(app.deps, c.Scope(customer_id="c1"), placed.order_id)
    clock.advance(60)
    await pay_order(
        app.deps, c.PayOrder(placed.order_id, Payment("alipay", 3000, "2025031422001400001"))
    )
    receipt = receipt_pb(
        await queries.get_receipt(app.deps, c.Scope(customer_id="c1"), placed.order_id)
    )
    assert receipt.local_time == "2025-03-14 17:31:00" and receipt.refunded_amount == 0
    assert receipt.payment.reference == "2025031422001400001"
    await cancel_order(app.deps, c.CancelOrder(placed.order_id, "changed mind"))
    refunded = receipt_pb(await queries.get_receipt(app.deps, c.Scope(), placed.order_no))
    assert refunded.refunded_amount == 3000 and refunded.status == pb.ORDER_STATUS_CANCELLED
    # Someone else's order does not exist for them, receipt or not.
    for scope in (c.Scope(customer_id="c2"), c.Scope(store_id="s2")):
        with pytest.raises(NotFound):
            await queries.get_receipt(app.deps, scope, placed.order_id)


async def test_an_order_cancelled_unpaid_has_no_receipt(app: OrdersApp) -> None:
    placed = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                "s1", "c1", "online", (LineRequest("PEN-1", 1),), shipping_address=ADDRESS
            ),
        )
    )
    await cancel_order(app.deps, c.CancelOrder(placed.order_id, "no longer wanted"))
    with pytest.raises(Conflict, match="cancelled unpaid"):
        await queries.get_receipt(app.deps, c.Scope(), placed.order_id)


@pytest.mark.parametrize("reference", ["has space", "x" * 65, "-leading", "中文"])
async def test_a_payment_reference_is_the_providers_id_or_nothing(
    app: OrdersApp, reference: str
) -> None:
    with pytest.raises(InvalidArgument) as bad:
        await create_order(
            app.deps,
            c.CreateOrder(
                "s1",
                "w",
                "pos",
                (LineRequest("TEA-1", 1),),
                payment=Payment("card", 1200, reference),
            ),
        )
    assert [e.field for e in bad.value.errors] == ["payment.reference"]


async def test_each_line_carries_its_products_spec_or_none(app: OrdersApp, inventory: Any) -> None:
    inventory.stock[("st-1", "PEN-1")] = 5
    order = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                "s1",
                "walk-in",
                "pos",
                (LineRequest("TEA-1", 1), LineRequest("PEN-1", 1)),
                payment=Payment("cash", 1700),
            ),
        )
    )
    assert [(x.sku, x.spec) for x in order.lines] == [("TEA-1", "250g"), ("PEN-1", "")]
    receipt = receipt_pb(await queries.get_receipt(app.deps, c.Scope(), order.order_no))
    assert [x.spec for x in receipt.lines] == ["250g", ""]
