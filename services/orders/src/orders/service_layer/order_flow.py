"""The shape every order mutation shares: find the order in scope, change it in one
transaction with its events and idempotency record, and settle races with a concurrent twin."""

from __future__ import annotations

from collections.abc import Callable

from chainkit.errors import AlreadyExists, Conflict, NotFound, Retryable
from orders.domain.numbering import looks_like_order_number
from orders.domain.order import Order
from orders.service_layer.commands import Scope
from orders.service_layer.deps import Deps
from orders.service_layer.idempotency import Answer, Idempotency, Replayed, remember, replay
from orders.service_layer.ports import UnitOfWork

# A lost version race is re-run this many times in all before it surfaces as ABORTED.
VERSION_RETRIES = 3


def in_scope(order: Order, scope: Scope) -> bool:
    if scope.customer_id and order.customer_id != scope.customer_id:
        return False
    return not (scope.store_id and order.store_id != scope.store_id)


async def load_in_scope(uow: UnitOfWork, scope: Scope, ref: str) -> Order:
    """By order id or order number; an order the caller may not see does not exist."""
    ref = ref.strip()
    order = None
    if ref:
        if looks_like_order_number(ref):
            order = await uow.orders.get_by_number(ref)
        order = order or await uow.orders.get(ref)
    if order is None or not in_scope(order, scope):
        raise NotFound(f"order {ref} not found")
    return order


async def commit_change(
    deps: Deps,
    idem: Idempotency,
    scope: Scope,
    ref: str,
    change: Callable[[Order], None],
) -> Answer:
    """Load, change, save, publish its events, remember the answer, commit. A version race
    is re-run on the fresh order (the change re-checks its rules, so the loser gets the real
    reason). When a concurrent call with the same key won the race, answer what it answered."""
    try:
        for attempt in range(1, VERSION_RETRIES + 1):
            try:
                return await _change_once(deps, idem, scope, ref, change)
            except Retryable:
                if attempt == VERSION_RETRIES:
                    raise
        raise AssertionError("unreachable")
    except (AlreadyExists, Retryable, Conflict):
        if idem.key:
            async with deps.uow() as uow:
                stored = await replay(uow, idem)
            if stored is not None:
                return stored
        raise


async def _change_once(
    deps: Deps,
    idem: Idempotency,
    scope: Scope,
    ref: str,
    change: Callable[[Order], None],
) -> Answer:
    async with deps.uow() as uow:
        stored = await replay(uow, idem)
        if stored is not None:
            return stored
        order = await load_in_scope(uow, scope, ref)
        change(order)
        await uow.orders.save(order)
        uow.publish(order)
        await remember(uow, idem, order)
        await uow.commit()
        return order


async def check_first(deps: Deps, idem: Idempotency, scope: Scope, ref: str) -> Order | Replayed:
    """Before calling a peer: a replay's stored answer, or the order as it stands now."""
    async with deps.uow() as uow:
        stored = await replay(uow, idem)
        if stored is not None:
            return stored
        return await load_in_scope(uow, scope, ref)
