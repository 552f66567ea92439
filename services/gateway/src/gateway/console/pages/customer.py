"""The customer's pages: /my/orders and /my/orders/{order_no}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gateway.console.render import render
from gateway.console.session import CustomerPage

router = APIRouter(include_in_schema=False)


@router.get("/my/orders")
async def my_orders(request: Request, user: CustomerPage) -> HTMLResponse:
    return render(request, "customer/orders.html", user=user)
