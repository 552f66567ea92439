"""Head office's home (`/dashboard`): today against yesterday, sales charts over a range,
hot products, regional demand, the low-stock board with one-click transfers, stalled
parcels and the live feed; `/dashboard/orders/{order_no}` shows an order the feed names.

The first paint waits only for the two small "today / yesterday" queries and the carriers'
open push gaps; charts and panels arrive as fragments (hx-trigger="load"), each from its
own route below.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import grpc
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.api.deps import InventoryDep, LogisticsDep, OrdersDep
from gateway.console import dashboard_data as data
from gateway.console import dashboard_ops as ops
from gateway.console.customer_data import order_view
from gateway.console.refusals import Refusal, refusal_text
from gateway.console.render import is_htmx, render
from gateway.console.session import HqPage

router = APIRouter(include_in_schema=False)

Day = Annotated[str, Query(max_length=10)]
Id = Annotated[str, Form(min_length=1, max_length=64)]
# What a refused transfer tells head office, by the inventory service's answer.
REFUSALS: dict[Refusal, str] = {
    "state": "dashboard.stock.refused_short",
    "not_found": "dashboard.stock.refused_unknown",
    "invalid": "dashboard.stock.refused_invalid",
    "exists": "dashboard.stock.refused_invalid",
}


@router.get("/dashboard")
async def dashboard_home(
    request: Request,
    user: HqPage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    day_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    day_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    moved: Annotated[str, Query(max_length=1)] = "",
    refused: Annotated[str, Query(max_length=60)] = "",
) -> HTMLResponse:
    # Open push gaps are current state, not only live news: painted with the first page.
    figures, gaps = await asyncio.gather(
        data.today_view(orders, user), ops.open_push_gaps(logistics)
    )
    today = figures.today.day
    days, ignored = data.parse_range(day_from, day_to, today)
    return render(
        request,
        "dashboard/index.html",
        user=user,
        figures=figures,
        gaps=gaps,
        days=days,
        ignored=ignored,
        presets=[data.last_days(today, n) for n in (7, 30, 90)],
        # A transfer made without JS comes back here saying how it went.
        moved=moved == "1",
        refused=refused if refused in REFUSALS.values() else "",
    )


@router.get("/dashboard/today")
async def today_cards(request: Request, user: HqPage, orders: OrdersDep) -> HTMLResponse:
    """The cards alone: the page refreshes them when the feed reports new orders."""
    return render(
        request, "dashboard/_today.html", user=user, figures=await data.today_view(orders, user)
    )


@router.get("/dashboard/sales")
async def sales(
    request: Request,
    user: HqPage,
    orders: OrdersDep,
    day_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    day_to: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> HTMLResponse:
    days, ignored = data.parse_range(day_from, day_to, data.shanghai_today())
    view = await data.sales_view(orders, user, days)
    response = render(
        request,
        "dashboard/_sales.html",
        user=user,
        view=view,
        ignored=ignored,
        charts=data.chart_specs,
    )
    if is_htmx(request) and request.headers.get("HX-Trigger-Name") == "range":
        response.headers["HX-Push-Url"] = f"/dashboard?{days.query()}"
    return response


@router.get("/dashboard/stock")
async def stock(request: Request, user: HqPage, inventory: InventoryDep) -> HTMLResponse:
    board = await ops.low_stock_board(inventory)
    return render(
        request,
        "dashboard/_stock.html",
        user=user,
        board=board,
        # One key per rendered row: a double click or a retry moves the units once.
        row_key=lambda: str(uuid.uuid4()),
    )


@router.post("/dashboard/stock/transfer")
async def make_transfer(
    request: Request,
    user: HqPage,
    inventory: InventoryDep,
    from_location_id: Id,
    to_location_id: Id,
    sku: Id,
    qty: Annotated[int, Form(ge=1, le=1_000_000)],
    idempotency_key: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """The suggested transfer of one low-stock row; answers the row, saying what happened."""
    refused = ""
    made = None
    try:
        made = await ops.transfer(
            inventory,
            user,
            idempotency_key,
            from_location_id=from_location_id,
            to_location_id=to_location_id,
            sku=sku,
            qty=qty,
        )
    except grpc.aio.AioRpcError as e:
        refusal = refusal_text(e, REFUSALS)
        if refusal is None:
            raise
        refused = refusal
    if not is_htmx(request):
        done = f"refused={refused}" if refused else "moved=1"
        return RedirectResponse(f"/dashboard?{done}#stock", status_code=303)
    return render(
        request,
        "dashboard/_transfer_done.html",
        user=user,
        transfer=made,
        refused=refused,
        sku=sku,
        qty=qty,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
    )


@router.get("/dashboard/parcels")
async def parcels(request: Request, user: HqPage, logistics: LogisticsDep) -> HTMLResponse:
    return render(
        request,
        "dashboard/_parcels.html",
        user=user,
        parcels=await ops.stalled_parcels(logistics),
    )


@router.get("/dashboard/orders/{order_no}")
async def order(
    request: Request,
    user: HqPage,
    orders: OrdersDep,
    logistics: LogisticsDep,
    order_no: Annotated[str, Path(min_length=1, max_length=64)],
) -> HTMLResponse:
    """An order the feed or a panel names: read-only, everything head office may see."""
    try:
        view = await order_view(orders, logistics, user, order_no)
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return render(
            request, "errors/error.html", user=user, status_code=404, message="error.not_found"
        )
    return render(request, "dashboard/order.html", user=user, view=view, order=view.order)
