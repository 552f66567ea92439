"""Store staff's home (`/store`). Placeholder: the store area replaces this page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gateway.console.render import render
from gateway.console.session import StorePage

router = APIRouter(include_in_schema=False)


@router.get("/store")
async def store_home(request: Request, user: StorePage) -> HTMLResponse:
    return render(request, "store/index.html", user=user)
