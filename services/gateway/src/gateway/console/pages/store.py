"""Store staff's pages: /store (the queue of paid orders to review, updating live from the
feed) and /store/orders/{order_no} (confirm, correct the address, ship with the rules'
carrier or an override). The till, the stock, transfers and shipments are in store_*.py.

Every call goes through the same scope as /v1: another store's order is NOT_FOUND."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Annotated
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import orders as mapper
from gateway.api.deps import InventoryDep, LogisticsDep, OrdersDep
from gateway.console import store_data
from gateway.console.pages.store_ops import router as ops_router
from gateway.console.pages.store_till import router as till_router
from gateway.console.refusals import Refusal, refusal_text
from gateway.console.render import is_htmx, render
from gateway.console.session import StorePage
from gateway.core.security import Principal
from gateway.schemas.common import ServiceLevel
from gateway.schemas.orders import AddressIn

router = APIRouter(include_in_schema=False)
router.include_router(till_router)
router.include_router(ops_router)

OrderNo = Annotated[str, Path(min_length=1, max_length=64)]
IdempotencyField = Annotated[str, Form(min_length=1, max_length=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
DONE = ("confirmed", "address", "shipped")
# A refused action, by the service's answer: what the staff are told (plus its detail).
REFUSALS: dict[Refusal, str] = {
    "state": "store.refused.state",
    "lost_race": "store.refused.state",
    "exists": "store.refused.state",
    "invalid": "store.refused.invalid",
}
SERVICE_LEVELS: tuple[ServiceLevel, ...] = ("express", "standard", "economy")


@router.get("/store")
async def store_home(
    request: Request,
    user: StorePage,
    orders: OrdersDep,
    inventory: InventoryDep,
    logistics: LogisticsDep,
    cursor: Cursor = None,
) -> HTMLResponse:
    queue = await store_data.paid_queue(orders, user, cursor)
    if is_htmx(request) and request.headers.get("HX-Target") == "queue":
        return render(request, "store/_queue.html", user=user, queue=queue, cursor=cursor)
    store = await store_data.own_store(orders, user)
    alerts = await store_data.alerts(inventory, logistics, user, store.location_id)
    return render(
        request,
        "store/index.html",
        user=user,
        store=store,
        queue=queue,
        cursor=cursor,
        alerts=alerts,
    )


async def _order_page(
    request: Request,
    user: Principal,
    orders: OrdersDep,
    logistics: LogisticsDep,
    order_no: str,
    *,
    done: str = "",
    refused: str = "",
    detail: str = "",
    address_form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        reply = await orders.GetOrder(
            orders_pb2.GetOrderRequest(scope=mapper.scope_of(user), order_ref=order_no)
        )
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return render(
            request, "errors/error.html", user=user, status_code=404, message="error.not_found"
        )
    order = mapper.order_out(reply)
    store, carriers, parcels = await asyncio.gather(
        store_data.own_store(orders, user),
        store_data.carriers(logistics),
        store_data.order_shipments(logistics, order.order_id),
    )
    can_ship = order.status == "paid" and (order.confirmed_at is not None or store.auto_confirm)
    # The carrier the rules would choose, shown before the ship button (nothing is made).
    quote = await store_data.ship_quote(orders, user, order_no) if can_ship else None
    region = order.shipping_address.region if order.shipping_address else ""
    serving = quote.serving() if quote else None
    return render(
        request,
        "store/order.html",
        user=user,
        order=order,
        store=store,
        carriers=carriers,
        serving=serving
        if serving is not None
        else {c.code for c in carriers if "*" in c.regions or region in c.regions},
        carrier_names={c.code: c.name for c in carriers},
        parcels=parcels,
        levels=SERVICE_LEVELS,
        can_confirm=order.status == "paid" and order.confirmed_at is None,
        can_ship=can_ship,
        quote=quote,
        can_edit_address=order.status in ("pending_payment", "paid"),
        address_form=address_form or _address_fields(order.shipping_address),
        done=done if done in DONE else "",
        refused=refused,
        detail=detail,
        # One key per rendered form: a double click or a resubmit acts once.
        action_key=str(uuid.uuid4()),
        status_code=status_code,
    )


def _address_fields(address: object) -> dict[str, str]:
    names = ("name", "phone", "region", "city", "line1")
    return {n: str(getattr(address, n, "") or "") for n in names}


@router.get("/store/orders/{order_no}")
async def store_order(
    request: Request,
    order_no: OrderNo,
    user: StorePage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return await _order_page(request, user, orders, logistics, order_no, done=done)


async def _act(
    request: Request,
    user: Principal,
    orders: OrdersDep,
    logistics: LogisticsDep,
    order_no: str,
    done: str,
    call: Awaitable[object],
    address_form: dict[str, str] | None = None,
) -> Response:
    """Run an action: back to the order page on success (so a reload does not repeat it),
    the order page with the refusal and the service's reason otherwise."""
    try:
        await call
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return await _order_page(request, user, orders, logistics, order_no)
        refusal = refusal_text(e, REFUSALS)
        if refusal is None:
            raise
        return await _order_page(
            request,
            user,
            orders,
            logistics,
            order_no,
            refused=refusal,
            detail=e.details() or "",
            address_form=address_form,
            status_code=409 if refusal == "store.refused.state" else 422,
        )
    page = f"/store/orders/{quote(order_no, safe='')}?done={done}"
    return RedirectResponse(page, status_code=303)


@router.get("/store/orders/{order_no}/quote")
async def ship_quote(
    request: Request,
    order_no: OrderNo,
    user: StorePage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    carrier: Annotated[str, Query(max_length=32)] = "",
    service_level: Annotated[ServiceLevel | None, Query()] = None,
) -> HTMLResponse:
    """The suggestion alone, for the carrier and level picked in the ship form (htmx)."""
    quote, carriers = await asyncio.gather(
        store_data.ship_quote(orders, user, order_no, carrier.strip(), service_level or ""),
        store_data.carriers(logistics),
    )
    return render(
        request,
        "store/_quote.html",
        user=user,
        quote=quote,
        carrier_names={c.code: c.name for c in carriers},
    )


@router.post("/store/orders/{order_no}/confirm")
async def confirm(
    request: Request,
    order_no: OrderNo,
    user: StorePage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    idempotency_key: IdempotencyField,
) -> Response:
    call = orders.ConfirmOrder(
        orders_pb2.ConfirmOrderRequest(
            scope=mapper.scope_of(user),
            idempotency=mapper.idempotency(idempotency_key),
            order_ref=order_no,
        )
    )
    return await _act(request, user, orders, logistics, order_no, "confirmed", call)


@router.post("/store/orders/{order_no}/ship")
async def ship(
    request: Request,
    order_no: OrderNo,
    user: StorePage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    idempotency_key: IdempotencyField,
    carrier: Annotated[str, Form(max_length=32)] = "",
    service_level: Annotated[ServiceLevel | None, Form()] = None,
) -> Response:
    """Ship with the carrier the rules choose (empty) or the staff's override."""
    call = orders.ShipOrder(
        orders_pb2.ShipOrderRequest(
            scope=mapper.scope_of(user),
            idempotency=mapper.idempotency(idempotency_key),
            order_ref=order_no,
            carrier=carrier.strip(),
            service_level=service_level or "",
        )
    )
    return await _act(request, user, orders, logistics, order_no, "shipped", call)


@router.post("/store/orders/{order_no}/address")
async def change_address(
    request: Request,
    order_no: OrderNo,
    user: StorePage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    idempotency_key: IdempotencyField,
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    region: Annotated[str, Form(max_length=200)] = "",
    city: Annotated[str, Form(max_length=200)] = "",
    line1: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Correct the shipping address before the order ships (PATCH /v1/orders/{id})."""
    entered = {"name": name, "phone": phone, "region": region, "city": city, "line1": line1}
    try:
        address = AddressIn.model_validate(entered)
    except ValidationError:
        return await _order_page(
            request,
            user,
            orders,
            logistics,
            order_no,
            refused="store.address.incomplete",
            address_form=entered,
            status_code=422,
        )
    call = orders.UpdateShippingAddress(
        orders_pb2.UpdateShippingAddressRequest(
            scope=mapper.scope_of(user),
            idempotency=mapper.idempotency(idempotency_key),
            order_ref=order_no,
            shipping_address=mapper.address(address),
            reason=reason.strip(),
        )
    )
    return await _act(request, user, orders, logistics, order_no, "address", call, entered)
