"""The carriers' HTTP APIs (the demo simulator speaks for both), behind our CarrierApi port."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from chainkit.errors import Conflict, Unavailable
from logistics.domain.tracking import CarrierScan


class HttpCarrierApi:
    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_waybill(
        self, carrier: str, *, reference: str, weight_g: int, region: str, city: str
    ) -> str:
        body = {"reference": reference, "weight_g": weight_g, "region": region, "city": city}
        response = await self._call("POST", f"/carriers/{carrier}/shipments", json=body)
        if response.is_client_error:
            raise Conflict(f"carrier {carrier} refused the parcel: {response.text[:200]}")
        waybill = response.json().get("waybill_no")
        if not isinstance(waybill, str) or not waybill:
            raise Unavailable(f"carrier {carrier} answered without a waybill number")
        return waybill

    async def poll_tracking(self, carrier: str, waybill_no: str) -> list[CarrierScan]:
        response = await self._call("GET", f"/carriers/{carrier}/tracking/{waybill_no}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return []  # not scanned into the carrier's system yet
        if response.is_client_error:
            raise Unavailable(f"carrier {carrier} refused a tracking query: {response.status_code}")
        try:
            items = response.json().get("events") or []
            return [_scan(waybill_no, item) for item in items if isinstance(item, dict)]
        except (KeyError, ValueError, AttributeError) as e:
            raise Unavailable(f"carrier {carrier} answered an unreadable timeline: {e!r}") from e

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise Unavailable(f"carrier API unreachable: {e!r}") from e
        if response.is_server_error:
            raise Unavailable(f"carrier API error {response.status_code}")
        return response


def _scan(waybill_no: str, item: dict[str, Any]) -> CarrierScan:
    return CarrierScan(
        waybill_no=waybill_no,  # the one we asked about, whatever the item repeats
        code=str(item["code"]),
        at=datetime.fromisoformat(str(item["at"])),
        location=str(item.get("location") or ""),
        description=str(item.get("description") or ""),
        event_id=str(item.get("event_id") or ""),
    )
