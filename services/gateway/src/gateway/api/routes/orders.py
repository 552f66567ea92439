"""Orders. Scoping is enforced by the orders service through the caller's Scope: an order
outside it is NOT_FOUND (404). What a role may attempt at all is checked here (403)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from chainkit.errors import FieldError, InvalidArgument, PermissionDenied
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import orders as mapper
from gateway.adapters.mappers.common import next_cursor
from gateway.api.deps import (
    CurrentUser,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    OrdersDep,
    StaffUser,
)
from gateway.api.problems import documented
from gateway.core.security import Principal
from gateway.receipts import negotiate
from gateway.receipts.html import render_html
from gateway.receipts.text import render_text
from gateway.schemas.common import Page
from gateway.schemas.orders import (
    AddressChange,
    CancelIn,
    OrderCreate,
    OrderPublic,
    OrderStatus,
    PayIn,
    ShipIn,
)

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=documented(401, 503, 504))

OrderRef = Annotated[str, Path(min_length=1, max_length=64, description="order_id or order_no")]
IdFilter = Annotated[str | None, Query(max_length=64)]
MUTATION_PROBLEMS = documented(403, 404, 409, 422)


def _owner(body: OrderCreate, user: Principal) -> tuple[str, str]:
    """(store_id, customer_id) the caller may order for; PermissionDenied otherwise."""
    store_id = body.store_id or ""
    customer_id = body.customer_id or ""
    if user.role == "customer":
        if body.channel != "online":
            raise PermissionDenied("customers place online orders only")
        if customer_id and customer_id != user.customer_id:
            raise PermissionDenied("customers order only for themselves")
        customer_id = user.customer_id or ""
    elif user.role == "store":
        if store_id and store_id != user.store_id:
            raise PermissionDenied("store staff order only for their own store")
        store_id = user.store_id or ""
    errors = []
    if not store_id:
        errors.append(FieldError("store_id", "required"))
    if body.channel == "online" and not customer_id:
        errors.append(FieldError("customer_id", "required for online orders"))
    if errors:
        raise InvalidArgument("invalid order", errors)
    return store_id, customer_id


@router.post("", status_code=201, responses=documented(403, 404, 409, 422))
async def create_order(
    body: OrderCreate, user: CurrentUser, orders: OrdersDep, key: IdempotencyKey = None
) -> OrderPublic:
    """Online: stock reserved until the payment deadline. POS: paid and completed at once.
    A retry with the same Idempotency-Key and body answers the original order."""
    body.check()
    store_id, customer_id = _owner(body, user)
    request = mapper.create_order_request(
        body, store_id=store_id, customer_id=customer_id, scope=mapper.scope_of(user), key=key
    )
    return mapper.order_out(await orders.create_order(request))


@router.get("", responses=documented(422))
async def list_orders(
    user: CurrentUser,
    orders: OrdersDep,
    status: OrderStatus | None = None,
    store_id: IdFilter = None,
    customer_id: IdFilter = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[OrderPublic]:
    """A customer's own orders, a store's orders, or everything for head office."""
    request = mapper.list_orders_request(
        mapper.scope_of(user),
        status=status,
        store_id=store_id,
        customer_id=customer_id,
        q=q,
        created_from=created_from,
        created_to=created_to,
        limit=limit,
        cursor=cursor,
    )
    reply = await orders.ListOrders(request)
    return Page(
        items=[mapper.order_out(o) for o in reply.items], next_cursor=next_cursor(reply.page)
    )


@router.get("/{order_ref}", responses=documented(404))
async def get_order(order_ref: OrderRef, user: CurrentUser, orders: OrdersDep) -> OrderPublic:
    request = orders_pb2.GetOrderRequest(scope=mapper.scope_of(user), order_ref=order_ref)
    return mapper.order_out(await orders.GetOrder(request))


RECEIPT_EXAMPLE = """     People's Square
--------------------------------
单号 Order No
  20261205-S001-000042
时间 Time     2026-12-05 00:30:12
..."""


@router.get(
    "/{order_ref}/receipt",
    response_model=None,
    responses={
        200: {
            "description": "The receipt (小票): plain text for a receipt printer (the "
            "default), a printable HTML page, or JSON, as `Accept` asks",
            "content": {
                negotiate.TEXT: {"schema": {"type": "string"}, "example": RECEIPT_EXAMPLE},
                negotiate.HTML: {"schema": {"type": "string"}},
                negotiate.JSON: {"schema": {"$ref": "#/components/schemas/ReceiptPublic"}},
            },
        },
        **documented(404, 406, 409),
    },
)
async def get_receipt(
    order_ref: OrderRef,
    user: CurrentUser,
    orders: OrdersDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The receipt of a paid order or a till sale (the same access rules as the order);
    409 for an order that was never paid."""
    media = negotiate.choose(accept)
    if media is None:
        raise HTTPException(406, "a receipt is text/plain, text/html or application/json")
    request = orders_pb2.GetReceiptRequest(scope=mapper.scope_of(user), order_ref=order_ref)
    receipt = mapper.receipt_out(await orders.GetReceipt(request))
    if media == negotiate.HTML:
        return HTMLResponse(render_html(receipt))
    if media == negotiate.TEXT:
        return PlainTextResponse(render_text(receipt))
    return Response(receipt.model_dump_json(), media_type=negotiate.JSON)


@router.patch("/{order_ref}", responses=MUTATION_PROBLEMS)
async def update_order(
    order_ref: OrderRef,
    body: AddressChange,
    user: CurrentUser,
    orders: OrdersDep,
    key: IdempotencyKey = None,
) -> OrderPublic:
    """Correct the shipping address before the order ships (409 once it has shipped);
    the change is kept in the order's timeline."""
    address = body.shipping_address
    if (address.lat is None) != (address.lon is None):
        raise InvalidArgument(
            "invalid address", [FieldError("shipping_address.lat", "give lat and lon")]
        )
    request = orders_pb2.UpdateShippingAddressRequest(
        scope=mapper.scope_of(user),
        idempotency=mapper.idempotency(key),
        order_ref=order_ref,
        shipping_address=mapper.address(address),
        reason=body.reason,
    )
    return mapper.order_out(await orders.UpdateShippingAddress(request))


@router.post("/{order_ref}/pay", responses=MUTATION_PROBLEMS)
async def pay_order(
    order_ref: OrderRef,
    body: PayIn,
    user: CurrentUser,
    orders: OrdersDep,
    key: IdempotencyKey = None,
) -> OrderPublic:
    request = orders_pb2.PayOrderRequest(
        scope=mapper.scope_of(user),
        idempotency=mapper.idempotency(key),
        order_ref=order_ref,
        payment=orders_pb2.Payment(
            method=body.method, amount=body.amount, reference=body.reference
        ),
    )
    return mapper.order_out(await orders.PayOrder(request))


@router.post("/{order_ref}/cancel", responses=MUTATION_PROBLEMS)
async def cancel_order(
    order_ref: OrderRef,
    user: CurrentUser,
    orders: OrdersDep,
    body: CancelIn | None = None,
    key: IdempotencyKey = None,
) -> OrderPublic:
    request = orders_pb2.CancelOrderRequest(
        scope=mapper.scope_of(user),
        idempotency=mapper.idempotency(key),
        order_ref=order_ref,
        reason=body.reason if body else "",
    )
    return mapper.order_out(await orders.CancelOrder(request))


@router.post("/{order_ref}/confirm", responses=MUTATION_PROBLEMS)
async def confirm_order(
    order_ref: OrderRef, user: StaffUser, orders: OrdersDep, key: IdempotencyKey = None
) -> OrderPublic:
    request = orders_pb2.ConfirmOrderRequest(
        scope=mapper.scope_of(user), idempotency=mapper.idempotency(key), order_ref=order_ref
    )
    return mapper.order_out(await orders.ConfirmOrder(request))


@router.post("/{order_ref}/ship", responses=MUTATION_PROBLEMS)
async def ship_order(
    order_ref: OrderRef,
    user: StaffUser,
    orders: OrdersDep,
    body: ShipIn | None = None,
    key: IdempotencyKey = None,
) -> OrderPublic:
    request = orders_pb2.ShipOrderRequest(
        scope=mapper.scope_of(user),
        idempotency=mapper.idempotency(key),
        order_ref=order_ref,
        carrier=body.carrier if body else "",
        service_level=(body.service_level or "") if body else "",
    )
    return mapper.order_out(await orders.ShipOrder(request))


@router.post("/{order_ref}/receive", responses=MUTATION_PROBLEMS)
async def receive_order(
    order_ref: OrderRef, user: CurrentUser, orders: OrdersDep, key: IdempotencyKey = None
) -> OrderPublic:
    request = orders_pb2.ReceiveOrderRequest(
        scope=mapper.scope_of(user), idempotency=mapper.idempotency(key), order_ref=order_ref
    )
    return mapper.order_out(await orders.ReceiveOrder(request))
