"""CreateOrder: online (reserve, then pending_payment) and POS (sell, completed at once).

With an idempotency key the order id is uuid5(actor:key), and inventory is idempotent by
that id, so concurrent retries reserve or sell once; the loser of the insert race answers
the winner's stored response.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import replace

from chainkit.errors import (
    AlreadyExists,
    DomainError,
    FieldError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from orders.domain.lines import (
    OrderLine,
    StockShortfall,
    UnknownSkus,
    price_lines,
    validate_line_requests,
)
from orders.domain.order import Allocation, Channel, check_payment, payment_deadline
from orders.service_layer import placement
from orders.service_layer.commands import CreateOrder
from orders.service_layer.deps import Deps
from orders.service_layer.idempotency import Answer, Idempotency, idempotency_for, replay
from orders.service_layer.metrics import PLACED
from orders.service_layer.order_actions import EXPIRY_GRACE

log = logging.getLogger(__name__)

# Fixed forever: order ids derived from idempotency keys must not change between releases.
ORDER_ID_NAMESPACE = uuid.UUID("6f1c2a8e-3d4b-5e6f-8a9b-0c1d2e3f4a5b")


def validate(cmd: CreateOrder) -> None:
    errors = validate_line_requests(cmd.lines)
    if not cmd.store_id:
        errors.append(FieldError("store_id", "is required"))
    if not cmd.customer_id:
        errors.append(FieldError("customer_id", "is required"))
    if cmd.channel == Channel.ONLINE:
        if cmd.shipping_address is None:
            errors.append(FieldError("shipping_address", "is required for online orders"))
        else:
            errors.extend(cmd.shipping_address.errors())
        if cmd.payment is not None:
            errors.append(FieldError("payment", "online orders are paid with PayOrder"))
    elif cmd.channel == Channel.POS:
        if cmd.payment is None:
            errors.append(FieldError("payment", "is required for POS orders"))
    else:
        errors.append(FieldError("channel", "must be online or pos"))
    if errors:
        raise InvalidArgument("invalid order", errors)


def order_id_for(idem: Idempotency) -> str:
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, idem.key)) if idem.key else str(uuid.uuid4())


async def create_order(deps: Deps, cmd: CreateOrder) -> Answer:
    scope = cmd.scope
    if scope.customer_id and cmd.customer_id and cmd.customer_id != scope.customer_id:
        raise PermissionDenied("customers order for themselves only")
    if scope.customer_id and not cmd.customer_id:
        cmd = replace(cmd, customer_id=scope.customer_id)
    validate(cmd)
    idem = idempotency_for("create", cmd)
    try:
        return await _place(deps, cmd, idem)
    except DomainError as e:
        # A retry whose first call succeeded answers that call, whatever stands in the way
        # now (a product withdrawn, a price changed). Not a shortfall: the first call's
        # hold would have been replayed (a flash sale's refusals cost no read).
        if idem.key and not isinstance(e.details, StockShortfall):
            async with deps.reader() as uow:
                stored = await replay(uow, idem)
            if stored is not None:
                return stored
        raise


async def _place(deps: Deps, cmd: CreateOrder, idem: Idempotency) -> Answer:
    scope = cmd.scope
    store = await placement.store_for(deps, cmd.store_id)
    if store is None or (scope.store_id and scope.store_id != cmd.store_id):
        raise InvalidArgument("unknown store", [FieldError("store_id", "unknown store")])

    order_id = order_id_for(idem)
    lines = await _priced_lines(deps, cmd)
    now = deps.clock()
    if cmd.channel == Channel.POS:
        assert cmd.payment is not None  # validate() made sure
        check_payment(cmd.payment, sum(line.amount for line in lines))
        await deps.inventory.sell_at_location(
            sale_id=order_id, location_id=store.location_id, lines=cmd.lines
        )
        allocations: list[Allocation] = []
    else:
        address = cmd.shipping_address
        assert address is not None
        allocations = await deps.inventory.reserve(
            reservation_id=order_id,
            lines=cmd.lines,
            region=address.region,
            # Inventory's own expiry is a later safety net than our deadline sweep.
            expires_at=payment_deadline(store, now) + EXPIRY_GRACE,
            home_location_id=store.location_id,
            strategy=store.allocation_strategy,
            destination=(
                (address.lat, address.lon)
                if address.lat is not None and address.lon is not None
                else None
            ),
        )
    new = placement.NewOrder(idem, cmd, store, order_id, lines, allocations, now)
    try:
        order = await placement.record(deps, new)
    except AlreadyExists:
        # A concurrent twin with the same key committed first: create_order answers what it
        # answered (and the units stay held, under the same reservation id).
        raise
    except Exception:
        if cmd.channel == Channel.ONLINE and not await _recorded(deps, order_id):
            # Nobody recorded an order for these units: free them now, not at the deadline.
            with contextlib.suppress(DomainError):
                await deps.inventory.release_reservation(order_id, "order not recorded")
        raise
    PLACED[cmd.channel].inc()
    return order


async def _recorded(deps: Deps, order_id: str) -> bool:
    async with deps.uow() as uow:
        return await uow.orders.get(order_id) is not None


async def _priced_lines(deps: Deps, cmd: CreateOrder) -> list[OrderLine]:
    skus = [line.sku for line in cmd.lines]
    try:
        products = await deps.inventory.batch_get_products(skus)
    except NotFound as e:
        unknown = e.details.skus if isinstance(e.details, UnknownSkus) else ()
        named = [
            FieldError(f"lines[{i}].sku", f"unknown SKU {sku}")
            for i, sku in enumerate(skus)
            if sku in unknown
        ]
        raise InvalidArgument("unknown SKU", named or [FieldError("lines", e.message)]) from e
    return price_lines(cmd.lines, products)
