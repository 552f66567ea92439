from __future__ import annotations

import asyncio

import prometheus_client
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from gateway.adapters.grpc_clients import ServiceClients
from gateway.adapters.nats_probe import nats_reachable
from gateway.api.deps import ClientsDep, SettingsDep, StateDep
from gateway.api.problems import problem
from gateway.core.config import Settings

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers. Says nothing about dependencies (see /readyz)."""
    return {"status": "ok"}


DEPENDENCY_UP = prometheus_client.Gauge(
    "gateway_dependency_up",
    "Whether a dependency answered the last check (1) or not (0): checked every "
    "GATEWAY_METRICS_REFRESH_S seconds from start-up and on each /healthz/dependencies call",
    ["dependency"],
)


@router.get("/readyz", responses={503: {"description": "the gateway is starting or stopping"}})
async def readyz(state: StateDep) -> JSONResponse:
    """Ready: this process can serve requests. A peer or NATS being down does not make it
    unready: orders and payments keep working without NATS, and taking every gateway out
    of the load balancer for a dependency's trouble would turn it into a full outage.
    Dependencies are reported by /healthz/dependencies and the `gateway_dependency_up`
    metric instead."""
    if state.clients is None or state.users is None:
        return problem(503, "not ready: the gateway is starting or stopping")
    return JSONResponse({"status": "ready"})


async def check_dependencies(clients: ServiceClients, settings: Settings) -> dict[str, bool]:
    """Whether each dependency answers now; `gateway_dependency_up` follows."""
    timeout = settings.ready_timeout_s
    services, nats_ok = await asyncio.gather(
        clients.health(timeout), nats_reachable(settings.nats_url, timeout)
    )
    states = {**services, "nats": nats_ok}
    for name, ok in states.items():
        DEPENDENCY_UP.labels(name).set(1 if ok else 0)
    return states


@router.get("/healthz/dependencies")
async def dependencies(clients: ClientsDep, settings: SettingsDep) -> JSONResponse:
    """Each dependency's state (the three services' gRPC health, NATS): `degraded` when one
    is down. Always 200: for dashboards and alerts, not for probes."""
    states = await check_dependencies(clients, settings)
    checks = {name: "ok" if ok else "down" for name, ok in states.items()}
    status = "ok" if all(states.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks})


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    return Response(
        prometheus_client.generate_latest(), media_type=prometheus_client.CONTENT_TYPE_LATEST
    )
