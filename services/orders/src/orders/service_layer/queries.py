"""GetOrder and "my orders": newest first, keyset pages behind an opaque cursor."""

from __future__ import annotations

from datetime import datetime

from chainkit import cursors
from chainkit.errors import FieldError, InvalidArgument
from orders.domain.order import Order, OrderStatus
from orders.domain.receipt import Receipt, receipt_of
from orders.service_layer.commands import DEFAULT_PAGE, MAX_PAGE, ListOrders, Scope
from orders.service_layer.deps import Deps
from orders.service_layer.order_flow import load_in_scope
from orders.service_layer.ports import OrderFilter, PageKey

ORDERS_TAG = "orders"


async def get_order(deps: Deps, scope: Scope, order_ref: str) -> Order:
    async with deps.reader() as uow:
        return await load_in_scope(uow, scope, order_ref)


def encode_cursor(key: PageKey) -> str:
    return cursors.encode(ORDERS_TAG, [key.created_at.isoformat(), key.order_id])


def decode_cursor(cursor: str) -> PageKey | None:
    key = cursors.decode(cursor, ORDERS_TAG, parts=2, legacy="")  # or a bare [at, id] from before
    if key is None:
        return None
    try:
        return PageKey(datetime.fromisoformat(key[0]), key[1])
    except ValueError:
        raise InvalidArgument(
            f"{cursors.FIELD}: {cursors.NOT_OURS}", [FieldError(cursors.FIELD, cursors.NOT_OURS)]
        ) from None


def _filter(query: ListOrders) -> OrderFilter | None:
    """The filter to run; None when the caller asks for what their scope excludes."""
    errors = []
    if query.status and query.status not in {s.value for s in OrderStatus}:
        errors.append(FieldError("status", f"unknown status {query.status}"))
    if not 0 <= query.limit <= MAX_PAGE:
        errors.append(FieldError("page.limit", f"must be between 1 and {MAX_PAGE}"))
    if query.created_from and query.created_to and query.created_from > query.created_to:
        errors.append(FieldError("created_from", "must not be after created_to"))
    if errors:
        raise InvalidArgument("invalid order query", errors)
    scope = query.scope
    # A scoped caller sees their own; asking for someone else's simply finds nothing.
    if query.customer_id not in ("", scope.customer_id) and scope.customer_id:
        return None
    if query.store_id not in ("", scope.store_id) and scope.store_id:
        return None
    customer_id = scope.customer_id or query.customer_id
    store_id = scope.store_id or query.store_id
    return OrderFilter(
        status=query.status,
        store_id=store_id,
        customer_id=customer_id,
        q=query.q.strip(),
        created_from=query.created_from,
        created_to=query.created_to,
    )


async def list_orders(deps: Deps, query: ListOrders) -> tuple[list[Order], str]:
    """A page of orders and the cursor of the next one ("" at the end)."""
    where = _filter(query)
    limit = query.limit or DEFAULT_PAGE
    after = decode_cursor(query.cursor)
    if where is None:
        return [], ""
    async with deps.reader() as uow:
        found = await uow.orders.find(where, after, limit + 1)
    page = found[:limit]
    next_cursor = ""
    if len(found) > limit:
        last = page[-1]
        next_cursor = encode_cursor(PageKey(last.created_at, last.order_id))
    return page, next_cursor


async def get_receipt(deps: Deps, scope: Scope, order_ref: str) -> Receipt:
    """The receipt of a paid order, under the same scope rules as the order itself."""
    async with deps.reader() as uow:
        order = await load_in_scope(uow, scope, order_ref)
        store = await uow.stores.get(order.store_id)
    name, city = (store.name, store.city) if store else (order.store_id, "")
    return receipt_of(order, name, city, deps.business_tz)
