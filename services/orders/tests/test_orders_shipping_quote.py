"""QuoteShipping asks logistics with exactly what ShipOrder will send, scoped like it, and
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from chainkit.errors import Conflict, InvalidArgument, NotFound
from chainstore.orders.v1 import orders_pb2 as pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.entrypoints.servicer import OrdersServicer
from orders.service_layer import commands as c
from orders.service_layer import stores
from orders.service_layer.commands import QuoteShipping
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import confirm_order, pay_order, ship_order
from orders.service_layer.queries import get_order
from orders.service_layer.shipping_quote import quote_shipping

ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
STAFF = c.Scope(store_id="s1", actor="clerk")


async def paid_order(app: OrdersApp, *, confirm: bool = True) -> str:
    order = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                store_id="s1",
                customer_id="c1",
                channel="online",
                # TEA from wh-a, PEN from wh-b: two packages.
                lines=(LineRequest("TEA-1", 2), LineRequest("PEN-1", 3)),
                shipping_address=ADDRESS,
            ),
        )
    )
    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", order.total)))
    if confirm:
        await confirm_order(app.deps, c.ConfirmOrder(order.order_id))
    return order.order_id


async def test_the_quote_sends_what_shipping_sends_and_names_the_same_carrier(
    app: OrdersApp, logistics: Any, probe: Any
) -> None:
    await stores.update_store(
        app.deps, "s1", StoreSettings(preferred_carrier="steady", service_level="economy")
    )
    order_id = await paid_order(app)
    events_before = await probe.event_types()

    quote = await quote_shipping(app.deps, QuoteShipping(order_id, scope=STAFF))

    asked = logistics.quotes[-1]
    assert (asked.carrier, asked.service_level, asked.preferred_carrier) == (
        "",
        "economy",
        "steady",
    )
    assert [(q.carrier, q.rule, q.service_level) for q in quote.packages] == [
        ("steady", "preference", "economy")
    ] * 2
    # Nothing was made or changed: no shipment, no event, the order still awaits shipping.
    assert logistics.created == {} and logistics.requests == []
    assert await probe.event_types() == events_before
    order = answer.order(await get_order(app.deps, c.Scope(), order_id))
    assert order.status == pb.ORDER_STATUS_PAID and quote.order_no == order.order_no

    shipped = answer.order(await ship_order(app.deps, c.ShipOrder(order_id, scope=STAFF)))
    sent = logistics.requests[-1]
    assert (sent.carrier, sent.service_level, sent.preferred_carrier) == (
        asked.carrier,
        asked.service_level,
        asked.preferred_carrier,
    )
    assert sorted((p.location_id, p.weight_g) for p in logistics.packages) == sorted(
        (q.location_id, q.weight_g) for q in quote.packages
    )
    assert {s.carrier for s in shipped.shipments} == {q.carrier for q in quote.packages}


async def test_staff_override_and_level_are_quoted_as_they_would_ship(
    app: OrdersApp, logistics: Any
) -> None:
    order_id = await paid_order(app)
    quote = await quote_shipping(
        app.deps, QuoteShipping(order_id, carrier="swift", service_level="express", scope=STAFF)
    )
    assert {(q.carrier, q.rule, q.service_level) for q in quote.packages} == {
        ("swift", "override", "express")
    }
    logistics.refuse = frozenset({"lazy"})
    with pytest.raises(InvalidArgument, match="lazy does not serve"):
        await quote_shipping(app.deps, QuoteShipping(order_id, carrier="lazy", scope=STAFF))


async def test_the_quote_is_scoped_and_refused_like_shipping(
    app: OrdersApp, logistics: Any
) -> None:
    order_id = await paid_order(app, confirm=False)
    with pytest.raises(NotFound):  # another store's staff
        await quote_shipping(app.deps, QuoteShipping(order_id, scope=c.Scope(store_id="s2")))
    with pytest.raises(Conflict, match="must be confirmed"):
        await quote_shipping(app.deps, QuoteShipping(order_id, scope=STAFF))
    await confirm_order(app.deps, c.ConfirmOrder(order_id))
    with pytest.raises(InvalidArgument) as bad:
        await quote_shipping(
            app.deps, QuoteShipping(order_id, service_level="overnight", scope=STAFF)
        )
    assert [e.field for e in bad.value.errors] == ["service_level"]
    assert logistics.quotes == []  # all refused before logistics was asked
    await ship_order(app.deps, c.ShipOrder(order_id, scope=STAFF))
    with pytest.raises(Conflict):  # shipped already: nothing left to quote
        await quote_shipping(app.deps, QuoteShipping(order_id, scope=STAFF))


async def test_quote_shipping_over_grpc(app: OrdersApp) -> None:
    order_id = await paid_order(app)
    order = answer.order(await get_order(app.deps, c.Scope(), order_id))
    reply = await OrdersServicer(app.deps).QuoteShipping(
        pb.QuoteShippingRequest(
            scope=pb.Scope(store_id="s1", actor="clerk"), order_ref=order.order_no
        ),
        None,
    )
    assert (reply.order_id, reply.order_no) == (order_id, order.order_no)
    assert sorted(q.location_id for q in reply.packages) == ["wh-a", "wh-b"]
    first = reply.packages[0]
    assert (first.carrier, first.rule, first.service_level) == ("swift", "cheapest", "standard")
    assert first.carrier_reason == "cheapest: swift" and list(first.eligible_carriers) == ["swift"]
    assert first.price == 800 and first.days == 2 and first.weight_g > 0
