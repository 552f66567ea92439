"""The store's stock (low-stock flags), incoming transfers to receive, and its shipments
(stalled and exception parcels flagged). Only the staff's own store and its location,
with the same checks as /v1/inventory and /v1/shipments."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers import inventory as inventory_mapper
from gateway.api.deps import InventoryDep, LogisticsDep, OrdersDep
from gateway.api.routes.inventory import command_id
from gateway.console import store_data
from gateway.console.render import is_htmx, render
from gateway.console.session import StorePage

router = APIRouter(include_in_schema=False)

TransferId = Annotated[str, Path(min_length=1, max_length=64)]
INCOMING = 50


@router.get("/store/stock")
async def stock(
    request: Request, user: StorePage, orders: OrdersDep, inventory: InventoryDep
) -> HTMLResponse:
    store = await store_data.own_store(orders, user)
    rows = await store_data.stock_rows(inventory, store.location_id)
    name = "store/_stock.html" if is_htmx(request) else "store/stock.html"
    return render(request, name, user=user, store=store, rows=rows)


@router.get("/store/transfers")
async def transfers(
    request: Request,
    user: StorePage,
    orders: OrdersDep,
    inventory: InventoryDep,
    received: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    store = await store_data.own_store(orders, user)
    reply = await inventory.ListTransfers(
        inventory_pb2.ListTransfersRequest(to_location_id=store.location_id, limit=INCOMING)
    )
    catalog = await store_data.products(inventory)
    return render(
        request,
        "store/transfers.html",
        user=user,
        store=store,
        incoming=[inventory_mapper.transfer_out(t) for t in reply.items],
        names=catalog.names,
        received=received,
    )


@router.post("/store/transfers/{transfer_id}/receive")
async def receive_transfer(
    request: Request,
    transfer_id: TransferId,
    user: StorePage,
    orders: OrdersDep,
    inventory: InventoryDep,
    idempotency_key: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """Book in everything still in transit. Only a transfer to the staff's own location
    (routes/inventory.py's require_own); another one is not found."""
    store = await store_data.own_store(orders, user)
    try:
        transfer = await inventory.GetTransfer(
            inventory_pb2.GetTransferRequest(transfer_id=transfer_id)
        )
    except grpc.aio.AioRpcError as e:
        if e.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise
        transfer = None
    if transfer is None or transfer.to_location_id != store.location_id:
        return render(
            request, "errors/error.html", user=user, status_code=404, message="error.not_found"
        )
    await inventory.ReceiveTransfer(
        inventory_pb2.ReceiveTransferRequest(
            transfer_id=transfer_id,
            receipt_id=command_id(user, idempotency_key, "receipt"),
            actor=user.username,
        )
    )
    return RedirectResponse(
        f"/store/transfers?received={quote(transfer_id, safe='')}", status_code=303
    )


@router.get("/store/shipments")
async def shipments(
    request: Request,
    user: StorePage,
    logistics: LogisticsDep,
    show: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    which = show if show in store_data.SHIPMENT_FILTERS else ""
    parcels, more = await store_data.shipments(logistics, user, which, cursor=cursor)
    carriers = {c.code: c.name for c in await store_data.carriers(logistics)}
    return render(
        request,
        "store/shipments.html",
        user=user,
        show=which,
        filters=store_data.SHIPMENT_FILTERS,
        parcels=parcels,
        next_cursor=more,
        first_page=cursor is not None,
        carriers=carriers,
    )
