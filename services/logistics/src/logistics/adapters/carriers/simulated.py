"""The demo chain's three carriers as the simulator serves them.

- swift: pushes `{"events": [...]}` signed with HMAC-SHA256; three-letter codes.
- steady: must be polled; answers 429 + Retry-After when asked too often; numeric codes.
- lazy: pushes its own shape `{"updates": [...]}` (epoch seconds, word codes), late,
  sometimes dropping, repeating or reordering scans; signed like swift.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from chainkit.errors import FieldError, InvalidArgument, Unavailable
from logistics.adapters.carriers.http import CarrierHttp
from logistics.domain.carrier_push import parse_scans, verify_signature
from logistics.domain.tracking import CarrierScan


class _SimulatedCarrier:
    code = ""

    def __init__(self, http: CarrierHttp, secret: bytes) -> None:
        self._http = http
        self._secret = secret

    async def create_waybill(
        self, *, reference: str, weight_g: int, region: str, city: str, service_level: str
    ) -> str:
        body = {
            "reference": reference,
            "weight_g": weight_g,
            "region": region,
            "city": city,
            "service_level": service_level,
        }
        return await self._http.create_waybill(self.code, body)

    async def cancel_waybill(self, waybill_no: str) -> None:
        await self._http.cancel_waybill(self.code, waybill_no)

    async def poll_tracking(self, waybill_no: str) -> list[CarrierScan]:
        path = f"/carriers/{self.code}/tracking/{waybill_no}"
        response = await self._http.call(self.code, "GET", path)
        if response.status_code == httpx.codes.NOT_FOUND:
            return []  # not scanned into the carrier's system yet
        if response.is_client_error:
            raise Unavailable(f"carrier {self.code} refused a query: {response.status_code}")
        try:
            items = response.json().get("events") or []
            return [_polled_scan(waybill_no, i) for i in items if isinstance(i, dict)]
        except (KeyError, ValueError, AttributeError) as e:
            raise Unavailable(f"carrier {self.code} answered an unreadable timeline") from e

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        verify_signature(self._secret, body, signature)
        return parse_scans(body)


class SwiftAdapter(_SimulatedCarrier):
    code = "swift"


class SteadyAdapter(_SimulatedCarrier):
    code = "steady"

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        raise InvalidArgument("steady does not push", [FieldError("carrier", "poll-only")])


class LazyAdapter(_SimulatedCarrier):
    code = "lazy"

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        verify_signature(self._secret, body, signature)
        return parse_lazy_updates(body)


def parse_lazy_updates(body: bytes) -> list[CarrierScan]:
    """`{"updates": [{id, tracking_number, status, timestamp (epoch s), place, text}]}`."""
    try:
        doc = json.loads(body)
        items = doc["updates"]
        if not isinstance(items, list):
            raise TypeError("updates is not a list")
        return [_lazy_scan(item) for item in items]
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as e:
        raise InvalidArgument(
            "unreadable lazy update", [FieldError("updates", str(e)[:200])]
        ) from e


def _lazy_scan(item: dict[str, Any]) -> CarrierScan:
    waybill, status = item["tracking_number"], item["status"]
    if not isinstance(waybill, str) or not waybill or not isinstance(status, str) or not status:
        raise ValueError("tracking_number and status are required")
    return CarrierScan(
        waybill_no=waybill,
        code=status,
        at=datetime.fromtimestamp(float(item["timestamp"]), UTC),
        location=str(item.get("place") or ""),
        description=str(item.get("text") or ""),
        event_id=str(item.get("id") or ""),
    )


def _polled_scan(waybill_no: str, item: dict[str, Any]) -> CarrierScan:
    return CarrierScan(
        waybill_no=waybill_no,  # the one we asked about, whatever the item repeats
        code=str(item["code"]),
        at=datetime.fromisoformat(str(item["at"])),
        location=str(item.get("location") or ""),
        description=str(item.get("description") or ""),
        event_id=str(item.get("event_id") or ""),
    )


def build_adapters(
    base_url: str, secret: bytes, *, timeout_s: float
) -> tuple[CarrierHttp, dict[str, _SimulatedCarrier]]:
    """The shared HTTP pool (to close at shutdown) and the adapter of each carrier."""
    http = CarrierHttp(base_url, timeout_s=timeout_s)
    adapters = [SwiftAdapter(http, secret), SteadyAdapter(http, secret), LazyAdapter(http, secret)]
    return http, {a.code: a for a in adapters}
