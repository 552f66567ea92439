from __future__ import annotations

import asyncio

import prometheus_client
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from gateway.adapters.nats_probe import nats_reachable
from gateway.api.deps import ClientsDep, SettingsDep
from gateway.api.problems import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers. Says nothing about dependencies (see /readyz)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is down"}})
async def readyz(clients: ClientsDep, settings: SettingsDep) -> JSONResponse:
    """Ready: the three services answer their gRPC health check and NATS is reachable."""
    timeout = settings.ready_timeout_s
    services, nats_ok = await asyncio.gather(
        clients.health(timeout), nats_reachable(settings.nats_url, timeout)
    )
    checks = {name: "ok" if ok else "down" for name, ok in {**services, "nats": nats_ok}.items()}
    down = sorted(name for name, state in checks.items() if state != "ok")
    if down:
        return problem(503, f"not ready: {', '.join(down)} down", checks=checks)
    return JSONResponse({"status": "ready", "checks": checks})


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    return Response(
        prometheus_client.generate_latest(), media_type=prometheus_client.CONTENT_TYPE_LATEST
    )
