"""Pay, cancel, confirm, ship, receive: one handler per command.

Peers (inventory, logistics) are called between two short transactions, never inside one:
their calls are idempotent by order id, so a retry after a failure is always safe.

Payment against the deadline (one rule, settled by the database, not by timing):
- a payment is accepted iff it is received by `payment_due_at` AND its transaction commits
  before the order is claimed for cancellation;
- cancelling claims first (a version-checked UPDATE to `cancelled`, `release_pending`) and
  only then asks inventory to release: units a racing payment committed are restocked, and a
  payment arriving at inventory after the release is refused there; a release that fails is
  retried by the sweep until inventory confirms it;
- the deadline sweep claims only orders overdue by `EXPIRY_GRACE`, so a payment received in
  time loses only if it takes longer than that to settle; inventory's own reservation expiry
  (deadline + grace) is a later safety net.
So an order is never both paid and cancelled, and the loser is told why.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chainkit.errors import Conflict, DomainError
from orders.domain.order import Order
from orders.domain.store import Store
from orders.domain.timeline import DEADLINE_REASON, SYSTEM_DEADLINE
from orders.service_layer.commands import (
    CancelOrder,
    ConfirmOrder,
    PayOrder,
    ReceiveOrder,
    Scope,
    ShipOrder,
)
from orders.service_layer.deps import Deps
from orders.service_layer.idempotency import Answer, Idempotency, idempotency_for
from orders.service_layer.metrics import PAYMENT_DEADLINE_CANCELLATIONS
from orders.service_layer.order_flow import check_first, commit_change, load_in_scope
from orders.service_layer.shipping_quote import plan_shipping

log = logging.getLogger(__name__)

EXPIRY_GRACE = timedelta(seconds=60)


async def _store(deps: Deps, store_id: str) -> Store | None:
    async with deps.uow() as uow:
        return await uow.stores.get(store_id)


async def _auto_confirm(deps: Deps, store_id: str) -> bool:
    store = await _store(deps, store_id)
    return store.auto_confirm if store else False


async def pay_order(deps: Deps, cmd: PayOrder) -> Answer:
    idem = idempotency_for("pay", cmd)
    found = await check_first(deps, idem, cmd.scope, cmd.order_ref)
    if not isinstance(found, Order):
        return found
    auto_confirm = await _auto_confirm(deps, found.store_id)
    # One clock reading (when the payment was received) for the check and the change.
    now = deps.clock()
    found.check_can_pay(cmd.payment, now)
    try:
        await deps.inventory.commit_reservation(found.order_id)
    except Conflict:
        # Inventory refuses a released reservation: the order was claimed for cancellation
        # meanwhile. Say so in the order's own words (e.g. the deadline that passed).
        async with deps.uow() as uow:
            current = await load_in_scope(uow, cmd.scope, found.order_id)
        current.check_can_pay(cmd.payment, now)
        raise

    def change(order: Order) -> None:
        order.pay(cmd.payment, now, by=cmd.scope.actor, auto_confirm=auto_confirm)

    return await commit_change(deps, idem, cmd.scope, found.order_id, change)


async def cancel_order(deps: Deps, cmd: CancelOrder) -> Answer:
    idem = idempotency_for("cancel", cmd)
    return await _cancel(deps, idem, cmd.scope, cmd.order_ref, cmd.reason, by=cmd.scope.actor)


async def _cancel(
    deps: Deps,
    idem: Idempotency,
    scope: Scope,
    ref: str,
    reason: str,
    *,
    by: str,
    only_if_overdue: bool = False,
) -> Answer:
    """Claim (commit `cancelled`), then release the units at inventory."""

    def change(order: Order) -> None:
        # The sweep must never cancel an order that was paid in the meantime.
        if only_if_overdue and not order.is_overdue(deps.clock() - EXPIRY_GRACE):
            raise Conflict(f"order {order.order_no} is no longer awaiting payment")
        order.cancel(reason, deps.clock(), by=by)

    answer = await commit_change(deps, idem, scope, ref, change)
    await release_units(deps, answer.order_id, reason or "order cancelled")
    return answer


async def release_units(deps: Deps, order_id: str, reason: str) -> bool:
    """Held units freed, committed ones restocked (inventory decides); False to retry later."""
    try:
        await deps.inventory.release_reservation(order_id, reason)
    except DomainError as e:
        log.warning("releasing the units of order %s failed; will retry: %s", order_id, e)
        return False
    async with deps.uow() as uow:
        await uow.orders.mark_released(order_id)
        await uow.commit()
    return True


async def confirm_order(deps: Deps, cmd: ConfirmOrder) -> Answer:
    def change(order: Order) -> None:
        order.confirm(deps.clock(), by=cmd.scope.actor)

    return await commit_change(
        deps, idempotency_for("confirm", cmd), cmd.scope, cmd.order_ref, change
    )


async def ship_order(deps: Deps, cmd: ShipOrder) -> Answer:
    idem = idempotency_for("ship", cmd)
    found = await check_first(deps, idem, cmd.scope, cmd.order_ref)
    if not isinstance(found, Order):
        return found
    plan = plan_shipping(found, await _store(deps, found.store_id), cmd.service_level)
    assert found.shipping_address is not None  # check_can_ship refuses orders without one
    shipments = await deps.logistics.create_shipments(
        order_id=found.order_id,
        store_id=found.store_id,
        destination=found.shipping_address,
        packages=plan.packages,
        # Staff may override the carrier or ask for another level; else the store's settings.
        # Logistics records which rule chose and why on each shipment.
        carrier=cmd.carrier,
        service_level=plan.service_level,
        preferred_carrier=plan.preferred_carrier,
        # Whose parcels: logistics puts them on every shipment event (customer-scoped feed).
        customer_id=found.customer_id,
        order_no=found.order_no,
    )

    def change(order: Order) -> None:
        order.ship(shipments, deps.clock(), by=cmd.scope.actor, auto_confirm=plan.auto_confirm)

    return await commit_change(deps, idem, cmd.scope, found.order_id, change)


async def receive_order(deps: Deps, cmd: ReceiveOrder) -> Answer:
    def change(order: Order) -> None:
        order.receive(deps.clock(), by=cmd.scope.actor)

    return await commit_change(
        deps, idempotency_for("receive", cmd), cmd.scope, cmd.order_ref, change
    )


async def expire_overdue(deps: Deps, limit: int = 100) -> int:
    """Cancel orders whose payment deadline passed; returns how many this call cancelled.
    Safe with several replicas: each claim is a version-checked UPDATE, one wins."""
    async with deps.uow() as uow:
        overdue = await uow.orders.overdue(deps.clock() - EXPIRY_GRACE, limit)
    done = 0
    no_key = Idempotency("", "")
    for order_id in overdue:
        try:
            await _cancel(
                deps,
                no_key,
                Scope(),
                order_id,
                DEADLINE_REASON,
                by=SYSTEM_DEADLINE,
                only_if_overdue=True,
            )
            done += 1
            PAYMENT_DEADLINE_CANCELLATIONS.inc()
        except Conflict:
            pass  # paid or cancelled meanwhile (perhaps by another replica)
        except DomainError as e:
            log.warning("could not expire order %s: %s", order_id, e)
    return done


async def retry_releases(deps: Deps, limit: int = 100) -> int:
    """Releases that failed after a cancellation was claimed; returns how many succeeded."""
    async with deps.uow() as uow:
        pending = await uow.orders.release_pending(limit)
    done = 0
    for order_id in pending:
        done += await release_units(deps, order_id, "order cancelled")
    return done
