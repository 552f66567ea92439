"""The till (POS) of /store: SKU lines, quantities, a payment method, one sale per form.

The form carries an Idempotency-Key made when it was rendered, sent to the orders service as
the sale's key: a double click, a resubmit or a retry after a lost answer gets the original
sale back instead of a second one. The amount charged is the order's own total, priced from
the item master here and checked again by the orders service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from google.rpc.error_details_pb2 import BadRequest

from chainkit.grpc_client import status_detail
from chainstore.inventory.v1 import inventory_pb2
from chainstore.inventory.v1.inventory_pb2 import InsufficientStock
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import orders as mapper
from gateway.adapters.mappers.common import sku_qty
from gateway.api.deps import InventoryDep, OrdersDep
from gateway.console import store_data
from gateway.console.render import render
from gateway.console.session import StorePage
from gateway.core.security import Principal
from gateway.schemas.orders import OrderPublic, PaymentMethod

router = APIRouter(include_in_schema=False)

TILL_PAYMENTS: tuple[PaymentMethod, ...] = ("cash", "wechat_pay", "alipay", "card")
MAX_LINES = 50
BLANK_LINES = 3
# A till sale's customer: nobody in particular (the orders service requires one).
WALK_IN = "walk-in"


@dataclass
class Sale:
    """The till form as entered: lines (SKU, quantity text) and the payment method."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    method: str = "cash"
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    def shown_lines(self) -> list[tuple[str, str]]:
        """The entered lines plus empty ones to fill in."""
        return self.lines + [("", "1")] * max(1, BLANK_LINES - len(self.lines))


class Refused(Exception):
    """The sale cannot be made as entered: `key` (console text) and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_lines(skus: Sequence[str], qtys: Sequence[str]) -> list[tuple[str, int]]:
    """Filled-in lines, the same SKU merged; Refused names what is wrong."""
    merged: dict[str, int] = {}
    for n, sku in enumerate(skus):
        sku = sku.strip().upper()
        text = (qtys[n] if n < len(qtys) else "").strip()
        if not sku:
            continue
        if not text.isdigit() or not 0 < int(text) <= 10_000:
            raise Refused("store.till.bad_qty", sku=sku)
        merged[sku] = merged.get(sku, 0) + int(text)
    if not merged:
        raise Refused("store.till.no_lines")
    if len(merged) > MAX_LINES:
        raise Refused("store.till.too_many", n=MAX_LINES)
    return list(merged.items())


async def price(inventory: InventoryDep, lines: list[tuple[str, int]]) -> int:
    """The sale's total from the item master (unknown SKUs are refused by name)."""

    async def one(sku: str) -> int | None:
        try:
            return (
                await inventory.GetProduct(inventory_pb2.GetProductRequest(sku=sku))
            ).price.amount
        except grpc.aio.AioRpcError as e:
            if e.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise
            return None

    prices = await asyncio.gather(*(one(sku) for sku, _ in lines))
    unknown = [sku for (sku, _), p in zip(lines, prices, strict=True) if p is None]
    if unknown:
        raise Refused("store.till.unknown_sku", skus=", ".join(unknown))
    return sum(p * qty for (_, qty), p in zip(lines, prices, strict=True) if p is not None)


async def _till(
    request: Request,
    user: Principal,
    orders: OrdersDep,
    inventory: InventoryDep,
    sale: Sale,
    *,
    sold: OrderPublic | None = None,
    refused: Refused | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    catalog = await store_data.products(inventory)
    return render(
        request,
        "store/till.html",
        user=user,
        sale=sale,
        sold=sold,
        refused=refused,
        catalog=catalog,
        payments=TILL_PAYMENTS,
        status_code=status_code,
    )


@router.get("/store/till")
async def till(
    request: Request,
    user: StorePage,
    orders: OrdersDep,
    inventory: InventoryDep,
    sold: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    receipt = None
    if sold:
        try:
            receipt = mapper.order_out(
                await orders.GetOrder(
                    orders_pb2.GetOrderRequest(scope=mapper.scope_of(user), order_ref=sold)
                )
            )
        except grpc.aio.AioRpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
    # A fresh key for every rendered form: the next sale is a new sale.
    return await _till(request, user, orders, inventory, Sale(), sold=receipt)


@router.post("/store/till")
async def sell(
    request: Request,
    user: StorePage,
    orders: OrdersDep,
    inventory: InventoryDep,
    idempotency_key: Annotated[str, Form(min_length=1, max_length=200)],
    method: Annotated[PaymentMethod, Form()],
    sku: Annotated[list[str] | None, Form(max_length=64)] = None,
    qty: Annotated[list[str] | None, Form(max_length=8)] = None,
) -> Response:
    entered = Sale(
        lines=[(s, (qty or [])[n] if n < len(qty or []) else "") for n, s in enumerate(sku or [])],
        method=method,
        key=idempotency_key,
    )
    entered.lines = [(s, q) for s, q in entered.lines if s.strip()][:MAX_LINES]
    try:
        lines = parse_lines(sku or [], qty or [])
        total = await price(inventory, lines)
        order = await orders.create_order(
            orders_pb2.CreateOrderRequest(
                scope=mapper.scope_of(user),
                idempotency=mapper.idempotency(idempotency_key),
                store_id=user.store_id or "",
                customer_id=WALK_IN,
                channel=orders_pb2.CHANNEL_POS,
                lines=sku_qty(lines),
                payment=orders_pb2.Payment(method=method, amount=total),
            )
        )
    except Refused as refused:
        return await _fresh_key_refusal(request, user, orders, inventory, entered, refused)
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            # Maybe sold, maybe not: the same form (same key) can be sent again safely.
            return await _till(
                request,
                user,
                orders,
                inventory,
                entered,
                refused=Refused("store.till.retry"),
                status_code=503,
            )
        told = _refusal(e)
        if told is None:
            raise
        return await _fresh_key_refusal(request, user, orders, inventory, entered, told)
    return RedirectResponse(f"/store/till?sold={quote(order.order_no, safe='')}", status_code=303)


async def _fresh_key_refusal(
    request: Request,
    user: Principal,
    orders: OrdersDep,
    inventory: InventoryDep,
    entered: Sale,
    refused: Refused,
) -> HTMLResponse:
    """The form again, as entered. Nothing was sold, so the corrected sale gets a new key
    (the service would refuse the old key with a different body)."""
    entered.key = str(uuid.uuid4())
    return await _till(request, user, orders, inventory, entered, refused=refused, status_code=409)


def _refusal(e: grpc.aio.AioRpcError) -> Refused | None:
    """What a refused sale tells the staff; None for errors a page cannot explain."""
    if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
        shortage = status_detail(e, InsufficientStock)
        if shortage is not None:
            left = ", ".join(f"{x.sku} {x.qty}" for x in shortage.available)
            return Refused("store.till.short", left=left)
        return Refused("store.till.refused", detail=e.details() or "")
    if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
        bad = status_detail(e, BadRequest)
        fields = (
            "; ".join(f"{v.field}: {v.description}" for v in bad.field_violations) if bad else ""
        )
        detail = e.details() or ""
        return Refused("store.till.refused", detail=f"{detail} ({fields})" if fields else detail)
    return None
