"""Tracking through a Kuaidi100-style aggregator, for carriers we do not integrate directly.

The carrier's own API still issues (and cancels) the waybill; the aggregator tracks it:
- subscribe: `POST {url}/poll`, form `schema=json&param={"company", "number", "key",
  "parameters": {"callbackurl", "salt", "resultv2": "1"}}`; `returnCode` 200 (or 501,
  already subscribed) is success;
- push: the aggregator posts the whole trace to the callback URL as a form
  `param=<json>&sign=<MD5(param + salt), upper case>`; `lastResult.data` newest first,
  each item with `time` (Beijing time), `context`, `status` and, with resultv2, `statusCode`;
- poll query: `POST {url}/poll/query.do`, form `customer`, `sign=MD5(param + key +
  customer)` upper case, `param={"com", "num", "resultv2": "1"}`.
Scans come back in the aggregator's vocabulary (tracking.KUAIDI100_CODES).
A real account is these settings: URL, key, customer id, salt, callback base, companies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx

from chainkit.errors import FieldError, InvalidArgument, Unauthenticated, Unavailable
from logistics.adapters.carriers.http import CarrierHttp
from logistics.domain.tracking import KUAIDI100, CarrierScan
from logistics.service_layer.ports import CarrierAdapter

CHINA_TIME = timezone(timedelta(hours=8))
# The Chinese state words, for an item that carries no statusCode (resultv2 off).
STATE_BY_WORD = {
    "在途": "0",
    "揽收": "1",
    "疑难": "2",
    "签收": "3",
    "退签": "4",
    "派件": "5",
    "退回": "6",
    "转单": "7",
    "清关": "8",
    "拒签": "14",
}
SUBSCRIBED = ("200", "501")  # 501: already subscribed (a retry)


@dataclass(frozen=True)
class AggregatorAccount:
    url: str  # e.g. https://poll.kuaidi100.com (the simulator: {carrier_sim}/kuaidi100)
    key: str  # the account's authorisation key
    customer: str  # the account's customer id (signs poll queries)
    salt: str  # signs the pushes to us
    callback_base: str  # the gateway's public URL; pushes go to /v1/carriers/{code}/events
    companies: dict[str, str]  # our carrier code → the aggregator's company code


def md5_sign(text: str) -> str:
    # The aggregator's protocol fixes MD5; it authenticates, it does not keep secrets.
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


class Kuaidi100Tracking:
    """A carrier adapter: waybills from the carrier, scans from the aggregator."""

    def __init__(
        self, carrier: CarrierAdapter, account: AggregatorAccount, *, timeout_s: float
    ) -> None:
        self._carrier = carrier
        self._account = account
        self.company = account.companies.get(carrier.code, carrier.code)
        self._http = CarrierHttp(account.url, timeout_s=timeout_s)

    @property
    def code(self) -> str:
        return self._carrier.code

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_waybill(
        self, *, reference: str, weight_g: int, region: str, city: str, service_level: str
    ) -> str:
        waybill = await self._carrier.create_waybill(
            reference=reference,
            weight_g=weight_g,
            region=region,
            city=city,
            service_level=service_level,
        )
        await self.subscribe(waybill)  # a failure here is retried with the same waybill
        return waybill

    async def subscribe(self, waybill_no: str) -> None:
        account = self._account
        callback = f"{account.callback_base.rstrip('/')}/v1/carriers/{self.code}/events"
        param = {
            "company": self.company,
            "number": waybill_no,
            "key": account.key,
            "parameters": {"callbackurl": callback, "salt": account.salt, "resultv2": "1"},
        }
        form = {"schema": "json", "param": _json(param)}
        response = await self._http.call(self.code, "POST", "/poll", data=form)
        doc = _answer(self.code, response)
        if str(doc.get("returnCode")) not in SUBSCRIBED:
            raise Unavailable(
                f"aggregator refused to track {waybill_no}: "
                f"{doc.get('returnCode')} {str(doc.get('message'))[:200]}"
            )

    async def cancel_waybill(self, waybill_no: str) -> None:
        await self._carrier.cancel_waybill(waybill_no)

    async def poll_tracking(self, waybill_no: str) -> list[CarrierScan]:
        account = self._account
        param = _json({"com": self.company, "num": waybill_no, "resultv2": "1"})
        form = {
            "customer": account.customer,
            "sign": md5_sign(param + account.key + account.customer),
            "param": param,
        }
        response = await self._http.call(self.code, "POST", "/poll/query.do", data=form)
        doc = _answer(self.code, response)
        if doc.get("result") is False:
            if str(doc.get("returnCode")) == "500":
                return []  # no trace yet
            raise Unavailable(f"aggregator refused a query: {doc.get('returnCode')}")
        return _scans(doc, waybill_no)

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        """A form `param=<json>&sign=<md5>`; the signature header, if any, is not used."""
        return parse_push(body, self._account.salt, self.company)


def parse_push(body: bytes, salt: str, company: str) -> list[CarrierScan]:
    """Verify a push's sign (MD5 of param + salt), then read its trace for `company`."""
    try:
        form = parse_qs(body.decode(), strict_parsing=True)
        param, sign = form["param"][0], form["sign"][0]
    except (UnicodeDecodeError, ValueError, KeyError) as e:
        raise InvalidArgument(
            "not an aggregator push", [FieldError("param", "param and sign required")]
        ) from e
    if not hmac.compare_digest(md5_sign(param + salt).encode(), sign.strip().upper().encode()):
        raise Unauthenticated("bad aggregator signature")
    try:
        last = json.loads(param)["lastResult"]
        if not isinstance(last, dict):
            raise TypeError("lastResult is not an object")
    except (ValueError, KeyError, TypeError) as e:
        errors = [FieldError("param", str(e)[:200])]
        raise InvalidArgument("unreadable aggregator push", errors) from e
    if str(last.get("com") or company) != company:
        message = f"a {last.get('com')!r} trace sent to the callback of {company}"
        raise InvalidArgument(message, [FieldError("lastResult.com", message)])
    return _scans(last, str(last.get("nu") or ""))


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _answer(carrier: str, response: httpx.Response) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as e:
        raise Unavailable(f"aggregator for {carrier} answered no JSON") from e
    if not response.is_success or not isinstance(doc, dict):
        raise Unavailable(f"aggregator for {carrier} answered {response.status_code}")
    return doc


def _scans(trace: dict[str, Any], waybill_no: str) -> list[CarrierScan]:
    """The trace's items, oldest first (the aggregator lists them newest first)."""
    items = trace.get("data")
    if not waybill_no or not isinstance(items, list):
        raise InvalidArgument("aggregator trace without number or data", [FieldError("nu", "")])
    try:
        return [_scan(waybill_no, item) for item in reversed(items)]
    except (KeyError, ValueError, TypeError) as e:
        raise InvalidArgument("unreadable aggregator trace", [FieldError("data", str(e))]) from e


def _scan(waybill_no: str, item: dict[str, Any]) -> CarrierScan:
    code = str(item.get("statusCode") or STATE_BY_WORD.get(str(item.get("status")), ""))
    if not code:
        raise ValueError("an item with neither statusCode nor a known status")
    at = datetime.strptime(str(item.get("ftime") or item["time"]), "%Y-%m-%d %H:%M:%S")
    return CarrierScan(
        waybill_no=waybill_no,
        code=code,
        at=at.replace(tzinfo=CHINA_TIME),
        location=str(item.get("areaName") or ""),
        description=str(item.get("context") or "")[:500],
        vocabulary=KUAIDI100,
    )
