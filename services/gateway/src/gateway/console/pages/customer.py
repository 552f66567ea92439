"""The customer's pages: /my/orders (tabs, search, dates, paging) and /my/orders/{order_no}
(lines, payment, address, timeline, tracking, and the actions its state allows)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import orders as mapper
from gateway.api.deps import LogisticsDep, OrdersDep
from gateway.console.customer_data import (
    TABS,
    OrderFilters,
    get_order,
    order_view,
    orders_page,
    parse_day,
)
from gateway.console.refusals import Refusal, refusal_text
from gateway.console.render import is_htmx, render
from gateway.console.session import CustomerPage
from gateway.core.security import Principal
from gateway.schemas.orders import PaymentMethod

router = APIRouter(include_in_schema=False)

OrderNo = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Query(max_length=64)]
IdempotencyField = Annotated[str, Form(min_length=1, max_length=200)]
# What a refused action tells the customer, by the service's answer.
REFUSALS: dict[Refusal, str] = {
    "state": "customer.action.refused",
    "lost_race": "customer.action.refused",
    "not_found": "error.not_found",
}
ONLINE_PAYMENTS: tuple[PaymentMethod, ...] = ("wechat_pay", "alipay", "card")


@router.get("/my/orders")
async def my_orders(
    request: Request,
    user: CustomerPage,
    orders: OrdersDep,
    status: Annotated[str, Query(max_length=32)] = "",
    q: Text = "",
    day_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    day_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    filters = OrderFilters(
        status=status if status in TABS else "",
        q=q.strip(),
        day_from=parse_day(day_from),
        day_to=parse_day(day_to),
    )
    bad_range = bool(filters.day_from and filters.day_to and filters.day_from > filters.day_to)
    if bad_range:
        filters = OrderFilters(status=filters.status, q=filters.q)
    page = await orders_page(orders, user, filters, cursor)
    response = render(
        request,
        "customer/orders.html",
        user=user,
        filters=filters,
        tabs=TABS,
        page=page,
        first_page=cursor is not None,
        bad_range=bad_range,
    )
    if is_htmx(request):  # the address bar shows the filters without the form's empty fields
        response.headers["HX-Push-Url"] = filters.url(cursor=cursor)
    return response


@router.get("/my/orders/{order_no}")
async def my_order(
    request: Request,
    order_no: OrderNo,
    user: CustomerPage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    done: Annotated[str, Query(max_length=20)] = "",
    refused: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    try:
        view = await order_view(orders, logistics, user, order_no)
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return render(
            request, "errors/error.html", user=user, status_code=404, message="error.not_found"
        )
    return render(
        request,
        "customer/order.html",
        user=user,
        view=view,
        order=view.order,
        done=done if done in ("paid", "cancelled", "received") else "",
        refused=refused if refused in REFUSALS.values() else "",
        payment_methods=ONLINE_PAYMENTS,
        # One key per rendered form: a double click or a resubmit acts once.
        action_key=str(uuid.uuid4()),
    )


async def _act(order_no: str, done: str, call: Awaitable[object]) -> Response:
    """Run an action; back to the order page saying what happened (or why it did not)."""
    page = f"/my/orders/{quote(order_no, safe='')}"
    try:
        await call
    except grpc.aio.AioRpcError as e:
        refusal = refusal_text(e, REFUSALS)
        if refusal is None:
            raise
        return RedirectResponse(f"{page}?refused={refusal}", status_code=303)
    return RedirectResponse(f"{page}?done={done}", status_code=303)


def _scope(user: Principal) -> orders_pb2.Scope:
    return mapper.scope_of(user)


@router.post("/my/orders/{order_no}/pay")
async def pay(
    order_no: OrderNo,
    user: CustomerPage,
    orders: OrdersDep,
    method: Annotated[PaymentMethod, Form()],
    idempotency_key: IdempotencyField,
) -> Response:
    """Simulated payment of the order's own total (never an amount from the form)."""

    async def call() -> None:
        order = await get_order(orders, user, order_no)
        await orders.PayOrder(
            orders_pb2.PayOrderRequest(
                scope=_scope(user),
                idempotency=mapper.idempotency(idempotency_key),
                order_ref=order_no,
                payment=orders_pb2.Payment(method=method, amount=order.total),
            )
        )

    return await _act(order_no, "paid", call())


@router.post("/my/orders/{order_no}/cancel")
async def cancel(
    order_no: OrderNo,
    user: CustomerPage,
    orders: OrdersDep,
    idempotency_key: IdempotencyField,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    request = orders_pb2.CancelOrderRequest(
        scope=_scope(user),
        idempotency=mapper.idempotency(idempotency_key),
        order_ref=order_no,
        reason=reason.strip(),
    )
    return await _act(order_no, "cancelled", orders.CancelOrder(request))


@router.post("/my/orders/{order_no}/receive")
async def receive(
    order_no: OrderNo, user: CustomerPage, orders: OrdersDep, idempotency_key: IdempotencyField
) -> Response:
    request = orders_pb2.ReceiveOrderRequest(
        scope=_scope(user), idempotency=mapper.idempotency(idempotency_key), order_ref=order_no
    )
    return await _act(order_no, "received", orders.ReceiveOrder(request))
