"""Shipping asks logistics with the store's carrier preference and service level, or staff's."""

from __future__ import annotations

from typing import Any

import pytest

from chainkit.errors import InvalidArgument
from chainstore.orders.v1 import orders_pb2 as pb
from orders.adapters.order_messages import store_pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.service_layer import commands as c
from orders.service_layer import stores
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import confirm_order, pay_order, ship_order
from orders.service_layer.queries import get_order

ADDRESS = Address("Li Lei", "13800000000", "east", "Shanghai", "1 Nanjing Rd")
STAFF = c.Scope(store_id="s1", actor="clerk")


async def paid_order(app: OrdersApp) -> str:
    order = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                store_id="s1",
                customer_id="c1",
                channel="online",
                lines=(LineRequest("TEA-1", 1),),
                shipping_address=ADDRESS,
            ),
        )
    )
    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", order.total)))
    await confirm_order(app.deps, c.ConfirmOrder(order.order_id))
    return order.order_id


async def test_a_new_store_ships_standard_with_no_preference(
    app: OrdersApp, logistics: Any
) -> None:
    order_id = await paid_order(app)
    await ship_order(app.deps, c.ShipOrder(order_id, scope=STAFF))
    sent = logistics.requests[-1]
    assert (sent.order_id, sent.carrier, sent.service_level, sent.preferred_carrier) == (
        order_id,
        "",
        "standard",
        "",
    )


async def test_ship_tells_logistics_whose_order_it_is(app: OrdersApp, logistics: Any) -> None:
    order_id = await paid_order(app)
    await ship_order(app.deps, c.ShipOrder(order_id, scope=STAFF))
    order = answer.order(await get_order(app.deps, c.Scope(), order_id))
    sent = logistics.requests[-1]
    assert order.order_no  # a real number, not an empty match
    assert (sent.customer_id, sent.order_no) == ("c1", order.order_no)


async def test_ship_passes_the_stores_preference_and_level(app: OrdersApp, logistics: Any) -> None:
    updated = store_pb(
        await stores.update_store(
            app.deps, "s1", StoreSettings(preferred_carrier="steady", service_level="economy")
        )
    )
    assert (updated.preferred_carrier, updated.service_level) == ("steady", "economy")
    stored = store_pb(await stores.get_store(app.deps, "s1"))  # read back from the database
    assert (stored.preferred_carrier, stored.service_level) == ("steady", "economy")

    order_id = await paid_order(app)
    shipped = answer.order(await ship_order(app.deps, c.ShipOrder(order_id, scope=STAFF)))

    sent = logistics.requests[-1]
    assert (sent.carrier, sent.service_level, sent.preferred_carrier) == ("", "economy", "steady")
    assert [s.carrier for s in shipped.shipments] == ["steady"]


async def test_staff_override_and_level_at_shipping_win_over_the_stores(
    app: OrdersApp, logistics: Any
) -> None:
    await stores.update_store(
        app.deps, "s1", StoreSettings(preferred_carrier="steady", service_level="economy")
    )
    order_id = await paid_order(app)
    shipped = answer.order(
        await ship_order(
            app.deps, c.ShipOrder(order_id, carrier="swift", service_level="express", scope=STAFF)
        )
    )
    sent = logistics.requests[-1]
    # The preference still travels: logistics records that staff overrode it.
    assert (sent.carrier, sent.service_level, sent.preferred_carrier) == (
        "swift",
        "express",
        "steady",
    )
    assert [s.carrier for s in shipped.shipments] == ["swift"]


async def test_an_unknown_level_at_shipping_is_refused_before_logistics(
    app: OrdersApp, logistics: Any
) -> None:
    order_id = await paid_order(app)
    with pytest.raises(InvalidArgument) as bad:
        await ship_order(app.deps, c.ShipOrder(order_id, service_level="overnight"))
    assert [e.field for e in bad.value.errors] == ["service_level"]
    assert logistics.requests == []


async def test_a_refused_override_leaves_the_order_paid_and_names_the_carrier(
    app: OrdersApp, logistics: Any, probe: Any
) -> None:
    logistics.refuse = frozenset({"lazy"})
    order_id = await paid_order(app)
    with pytest.raises(InvalidArgument, match="lazy does not serve") as refused:
        await ship_order(app.deps, c.ShipOrder(order_id, carrier="lazy", scope=STAFF))
    assert [e.field for e in refused.value.errors] == ["carrier"]
    order = answer.order(await get_order(app.deps, c.Scope(), order_id))
    assert order.status == pb.ORDER_STATUS_PAID and not order.shipments
    assert "orders.shipped" not in await probe.event_types()
    shipped = answer.order(
        await ship_order(app.deps, c.ShipOrder(order_id, carrier="swift", scope=STAFF))
    )
    assert shipped.status == pb.ORDER_STATUS_SHIPPED
