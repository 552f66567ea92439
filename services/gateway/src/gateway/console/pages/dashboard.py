"""Head office's home (`/dashboard`). Placeholder: the dashboard area replaces this page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gateway.console.render import render
from gateway.console.session import HqPage

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
async def dashboard_home(request: Request, user: HqPage) -> HTMLResponse:
    return render(request, "dashboard/index.html", user=user)
