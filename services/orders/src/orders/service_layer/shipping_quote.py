"""What shipping an order sends to logistics (one plan for ShipOrder and QuoteShipping), and
the quote: the carrier each package would get, and why, before anything is shipped."""

from __future__ import annotations

from dataclasses import dataclass, replace

from chainkit.errors import InvalidArgument
from orders.domain.order import Order, Package
from orders.domain.store import Store, shipping_errors
from orders.service_layer.commands import QuoteShipping
from orders.service_layer.deps import Deps
from orders.service_layer.order_flow import load_in_scope
from orders.service_layer.ports import PackageQuote


@dataclass(frozen=True)
class ShippingPlan:
    packages: list[Package]
    service_level: str  # asked at shipping, else the store's ("" = logistics' standard)
    preferred_carrier: str
    auto_confirm: bool


def plan_shipping(order: Order, store: Store | None, service_level: str) -> ShippingPlan:
    """Refuse an unknown level or an order that may not ship; else its packages and its
    store's settings, as ShipOrder hands them to logistics."""
    errors = shipping_errors(None, service_level or None)
    if errors:
        raise InvalidArgument("invalid shipping request", errors)
    auto_confirm = store.auto_confirm if store else False
    order.check_can_ship(auto_confirm=auto_confirm)
    return ShippingPlan(
        packages=_packages(order, store),
        service_level=service_level or (store.service_level if store else ""),
        preferred_carrier=store.preferred_carrier if store else "",
        auto_confirm=auto_confirm,
    )


def _packages(order: Order, store: Store | None) -> list[Package]:
    # Orders knows one origin's region: the store's own location. A warehouse's region is
    # not in inventory's allocation answer, so those packages leave it to logistics.
    return [
        replace(p, origin_region=store.region)
        if store and p.location_id == store.location_id
        else p
        for p in order.packages()
    ]


@dataclass(frozen=True)
class ShippingQuote:
    order_id: str
    order_no: str
    packages: list[PackageQuote]


async def quote_shipping(deps: Deps, cmd: QuoteShipping) -> ShippingQuote:
    """Logistics' choice for each package of a shippable order; nothing is written."""
    async with deps.reader() as uow:
        order = await load_in_scope(uow, cmd.scope, cmd.order_ref)
        store = await uow.stores.get(order.store_id)
    plan = plan_shipping(order, store, cmd.service_level)
    assert order.shipping_address is not None  # check_can_ship refuses orders without one
    quotes = await deps.logistics.quote_shipments(
        store_id=order.store_id,
        destination=order.shipping_address,
        packages=plan.packages,
        carrier=cmd.carrier,
        service_level=plan.service_level,
        preferred_carrier=plan.preferred_carrier,
    )
    return ShippingQuote(order.order_id, order.order_no, quotes)
