"""The HTTP plumbing the simulated carriers share: one connection pool, error mapping."""

from __future__ import annotations

import math
from typing import Any

import httpx

from chainkit.errors import Conflict, NotFound, Unavailable
from logistics.service_layer.ports import CarrierRateLimited

DEFAULT_RETRY_AFTER_S = 5.0


class CarrierHttp:
    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, carrier: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response of a 2xx/404/409; our own errors for everything else."""
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise Unavailable(f"carrier {carrier} unreachable: {e!r}") from e
        if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise CarrierRateLimited(f"carrier {carrier} rate-limited us", retry_after)
        if response.is_server_error:
            raise Unavailable(f"carrier {carrier} error {response.status_code}")
        return response

    async def create_waybill(self, carrier: str, body: dict[str, Any]) -> str:
        response = await self.call(carrier, "POST", f"/carriers/{carrier}/shipments", json=body)
        if response.is_client_error:
            raise Conflict(f"carrier {carrier} refused the parcel: {response.text[:200]}")
        waybill = response.json().get("waybill_no")
        if not isinstance(waybill, str) or not waybill:
            raise Unavailable(f"carrier {carrier} answered without a waybill number")
        return waybill

    async def cancel_waybill(self, carrier: str, waybill_no: str) -> None:
        path = f"/carriers/{carrier}/shipments/{waybill_no}/cancel"
        response = await self.call(carrier, "POST", path)
        if response.status_code == httpx.codes.NOT_FOUND:
            raise NotFound(f"carrier {carrier} does not know waybill {waybill_no!r}")
        if response.status_code == httpx.codes.CONFLICT:
            raise Conflict(f"carrier {carrier} already has the parcel: {response.text[:200]}")
        if response.is_client_error:
            raise Unavailable(f"carrier {carrier} refused the cancellation: {response.status_code}")


def _retry_after(value: str | None) -> float:
    """Retry-After in seconds (the HTTP-date form is rare with APIs: use the default)."""
    try:
        seconds = float(value) if value else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER_S
