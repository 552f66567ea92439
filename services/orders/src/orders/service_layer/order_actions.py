"""Pay, cancel, confirm, ship, receive: one handler per command.

Peers (inventory, logistics) are called between two short transactions, never inside one:
their calls are idempotent by order id, so a retry after a failure is always safe.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chainkit.errors import Conflict, DomainError
from chainstore.orders.v1 import events_pb2, orders_pb2
from orders.domain.order import Order
from orders.service_layer.commands import (
    CancelOrder,
    ConfirmOrder,
    PayOrder,
    ReceiveOrder,
    Scope,
    ShipOrder,
)
from orders.service_layer.idempotency import Idempotency, idempotency_for
from orders.service_layer.order_flow import Event, check_first, commit_change
from orders.service_layer.ports import Deps

log = logging.getLogger(__name__)

# A payment that passed its deadline check may still be committing at inventory; the sweep
# waits this long past the deadline so it never releases stock a payment just committed.
EXPIRY_GRACE = timedelta(seconds=60)

PAID = Event("orders.paid", lambda v: events_pb2.OrderPaid(order=v))
CONFIRMED = Event("orders.confirmed", lambda v: events_pb2.OrderConfirmed(order=v))
SHIPPED = Event("orders.shipped", lambda v: events_pb2.OrderShipped(order=v))
COMPLETED = Event("orders.completed", lambda v: events_pb2.OrderCompleted(order=v))


def cancelled(refunded: bool) -> Event:
    return Event(
        "orders.cancelled", lambda v: events_pb2.OrderCancelled(order=v, refunded=refunded)
    )


async def pay_order(deps: Deps, cmd: PayOrder) -> orders_pb2.Order:
    idem = idempotency_for("pay", cmd)
    found = await check_first(deps, idem, cmd.scope, cmd.order_ref)
    if not isinstance(found, Order):
        return found
    async with deps.uow() as uow:
        store = await uow.stores.get(found.store_id)
    auto_confirm = store.auto_confirm if store else False
    # One clock reading for the check and the change: never commit stock, then refuse.
    now = deps.clock()
    found.check_can_pay(cmd.payment, now)
    await deps.inventory.commit_reservation(found.order_id)

    def change(order: Order) -> list[Event]:
        order.pay(cmd.payment, now, auto_confirm=auto_confirm)
        return [PAID, CONFIRMED] if auto_confirm else [PAID]

    return await commit_change(deps, idem, cmd.scope, found.order_id, change)


async def cancel_order(deps: Deps, cmd: CancelOrder) -> orders_pb2.Order:
    return await _cancel(deps, idempotency_for("cancel", cmd), cmd.scope, cmd.order_ref, cmd.reason)


async def _cancel(
    deps: Deps,
    idem: Idempotency,
    scope: Scope,
    ref: str,
    reason: str,
    *,
    only_if_overdue: bool = False,
) -> orders_pb2.Order:
    def guard(order: Order) -> None:
        # The expiry sweep must never cancel an order that was paid in the meantime.
        if only_if_overdue and not order.is_overdue(deps.clock() - EXPIRY_GRACE):
            raise Conflict(f"order {order.order_no} is no longer awaiting payment")

    found = await check_first(deps, idem, scope, ref)
    if not isinstance(found, Order):
        return found
    guard(found)
    found.cancel(reason, deps.clock())  # a throwaway copy: refuses before inventory is asked
    # Held units are freed, committed ones restocked (inventory decides which).
    await deps.inventory.release_reservation(found.order_id, reason or "order cancelled")

    def change(order: Order) -> list[Event]:
        guard(order)
        return [cancelled(order.cancel(reason, deps.clock()))]

    return await commit_change(deps, idem, scope, found.order_id, change)


async def confirm_order(deps: Deps, cmd: ConfirmOrder) -> orders_pb2.Order:
    def change(order: Order) -> list[Event]:
        order.confirm(deps.clock())
        return [CONFIRMED]

    return await commit_change(
        deps, idempotency_for("confirm", cmd), cmd.scope, cmd.order_ref, change
    )


async def ship_order(deps: Deps, cmd: ShipOrder) -> orders_pb2.Order:
    idem = idempotency_for("ship", cmd)
    found = await check_first(deps, idem, cmd.scope, cmd.order_ref)
    if not isinstance(found, Order):
        return found
    found.check_can_ship()
    assert found.shipping_address is not None  # check_can_ship refuses orders without one
    shipments = await deps.logistics.create_shipments(
        order_id=found.order_id,
        store_id=found.store_id,
        destination=found.shipping_address,
        packages=found.packages(),
        carrier=cmd.carrier,
    )

    def change(order: Order) -> list[Event]:
        order.ship(shipments, deps.clock())
        return [SHIPPED]

    return await commit_change(deps, idem, cmd.scope, found.order_id, change)


async def receive_order(deps: Deps, cmd: ReceiveOrder) -> orders_pb2.Order:
    def change(order: Order) -> list[Event]:
        order.receive(deps.clock())
        return [COMPLETED]

    return await commit_change(
        deps, idempotency_for("receive", cmd), cmd.scope, cmd.order_ref, change
    )


async def expire_overdue(deps: Deps, limit: int = 100) -> int:
    """Cancel orders whose payment deadline passed; returns how many were cancelled."""
    async with deps.uow() as uow:
        overdue = await uow.orders.overdue(deps.clock() - EXPIRY_GRACE, limit)
    done = 0
    no_key = Idempotency("", "")
    for order_id in overdue:
        try:
            await _cancel(
                deps, no_key, Scope(), order_id, "payment deadline passed", only_if_overdue=True
            )
            done += 1
        except Conflict:
            pass  # paid or cancelled meanwhile
        except DomainError as e:
            log.warning("could not expire order %s: %s", order_id, e)
    return done
