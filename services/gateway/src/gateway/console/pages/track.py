"""/track: the public waybill look-up (no sign-in, no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gateway.console.render import render

router = APIRouter(include_in_schema=False)


@router.get("/track")
async def track(request: Request) -> HTMLResponse:
    return render(request, "track/track.html", user=None)
