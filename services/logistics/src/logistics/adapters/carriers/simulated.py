"""The demo chain's carriers as the simulator serves them, each on its own API.

- sf, jd: push `{"events": [...]}` signed with HMAC-SHA256, each in its own codes.
- zto: must be polled; answers 429 + Retry-After when asked too often.
- yto: must be polled.
- ems: waybills from its own API; tracking through the aggregator (see kuaidi100.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from chainkit.errors import FieldError, InvalidArgument, Unavailable
from logistics.adapters.carriers.http import CarrierHttp
from logistics.adapters.carriers.signed_push import parse_scans, verify_signature
from logistics.domain.tracking import CarrierScan
from logistics.service_layer.ports import CarrierAdapter


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


class PushingCarrier(_SimulatedCarrier):
    def __init__(self, code: str, http: CarrierHttp, secret: bytes) -> None:
        super().__init__(http, secret)
        self.code = code


class PolledCarrier(_SimulatedCarrier):
    def __init__(self, code: str, http: CarrierHttp, secret: bytes) -> None:
        super().__init__(http, secret)
        self.code = code

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        raise InvalidArgument(f"{self.code} does not push", [FieldError("carrier", "poll-only")])


def _polled_scan(waybill_no: str, item: dict[str, Any]) -> CarrierScan:
    return CarrierScan(
        waybill_no=waybill_no,  # the one we asked about, whatever the item repeats
        code=str(item["code"]),
        at=datetime.fromisoformat(str(item["at"])),
        location=str(item.get("location") or ""),
        description=str(item.get("description") or ""),
        event_id=str(item.get("event_id") or ""),
    )


PUSHING = ("sf", "jd", "ems")  # ems pushes nothing itself: bootstrap tracks it via kuaidi100
POLLED = ("zto", "yto")


def build_adapters(
    base_url: str, secret: bytes, *, timeout_s: float
) -> tuple[CarrierHttp, dict[str, CarrierAdapter]]:
    """The shared HTTP pool (to close at shutdown) and the adapter of each carrier."""
    http = CarrierHttp(base_url, timeout_s=timeout_s)
    adapters: list[CarrierAdapter] = [PushingCarrier(c, http, secret) for c in PUSHING]
    adapters += [PolledCarrier(c, http, secret) for c in POLLED]
    return http, {a.code: a for a in adapters}
