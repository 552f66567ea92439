"""Correcting the shipping address before the order ships (recorded in the timeline).

Allowed while pending_payment or paid; the units stay where they were reserved (a new
region may mean a longer trip, not a wrong one) and the carrier is chosen from the address
at shipping time, so nothing else has to change.
"""

from __future__ import annotations

from chainkit.errors import InvalidArgument
from orders.domain.order import Order
from orders.service_layer.commands import UpdateShippingAddress
from orders.service_layer.deps import Deps
from orders.service_layer.idempotency import Answer, idempotency_for
from orders.service_layer.order_flow import commit_change

MAX_REASON = 500


async def update_shipping_address(deps: Deps, cmd: UpdateShippingAddress) -> Answer:
    errors = cmd.shipping_address.errors()
    if errors:
        raise InvalidArgument("invalid shipping address", errors)
    idem = idempotency_for("address", cmd)

    def change(order: Order) -> None:
        order.correct_address(
            cmd.shipping_address, deps.clock(), by=cmd.scope.actor, why=cmd.reason[:MAX_REASON]
        )

    return await commit_change(deps, idem, cmd.scope, cmd.order_ref, change)
