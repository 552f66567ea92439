"""A Kuaidi100-style tracking aggregator over the simulated carriers.

What real chains use for couriers they have no direct integration with:
- subscribe (`POST /kuaidi100/poll`, form `schema=json&param={company, number, key,
  parameters: {callbackurl, salt, resultv2}}`): the aggregator then pushes the waybill's
  whole trace to the callback URL whenever it changes, as a form `param=<json>&sign=<MD5
  (param + salt), upper case>`, with `lastResult.data` newest first;
- poll query (`POST /kuaidi100/poll/query.do`, form `customer`, `sign = MD5(param + key +
  customer)` upper case, `param={com, num, resultv2}`): the trace as it stands.
Its pushes are what the chain sees of a carrier's unreliability: late, sometimes twice,
out of order (an older trace after a newer one) or never (but never the final one).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import httpx

from carrier_sim.config import SimSettings
from carrier_sim.parcels import Parcel, ParcelBook

log = logging.getLogger(__name__)

# The aggregator's company codes for the carriers it knows.
COMPANIES: dict[str, str] = {
    "shunfeng": "sf",
    "zhongtong": "zto",
    "yuantong": "yto",
    "jd": "jd",
    "ems": "ems",
}
# Top-level states and their words; resultv2 sub-states roll up to them.
STATE_WORDS: dict[str, str] = {
    "0": "在途",
    "1": "揽收",
    "2": "疑难",
    "3": "签收",
    "4": "退签",
    "5": "派件",
    "6": "退回",
    "7": "转单",
    "8": "清关",
    "14": "拒签",
}
CHINA_TIME = timezone(timedelta(hours=8))  # the aggregator's times are Beijing time, no zone
MAX_BACKOFF_S = 30.0


def md5_sign(text: str) -> str:
    # The aggregator's protocol fixes MD5; it authenticates, it does not keep secrets.
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def top_state(code: str) -> str:
    if code in STATE_WORDS:
        return code
    if code.startswith("10") and len(code) == 4:
        return "0"
    if code in ("10", "11", "12", "13"):
        return "8"
    return code[0] if len(code) == 3 else "2"


def ok(message: str) -> dict[str, Any]:
    return {"result": True, "returnCode": "200", "message": message}


def refused(code: str, message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": code, "message": message}


@dataclass
class Subscription:
    company: str
    number: str
    callback_url: str
    salt: str
    seen: int = 0  # scans already turned into (scheduled) pushes
    # (due at, trace length): a push of the first `length` scans.
    scheduled: list[tuple[float, int]] = field(default_factory=list)
    attempts: int = 0
    due_at: float = 0.0


class Aggregator:
    def __init__(self, settings: SimSettings, book: ParcelBook) -> None:
        self._settings = settings
        self._book = book
        self._rng = random.Random(settings.seed)
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.pushes = 0

    def _parcel(self, company: str, number: str) -> Parcel | None:
        carrier = COMPANIES.get(company)
        return self._book.by_waybill(carrier, number) if carrier else None

    def subscribe(self, schema: str, param: str) -> dict[str, Any]:
        try:
            doc = json.loads(param)
            company, number = str(doc["company"]), str(doc["number"])
            key = str(doc.get("key") or "")
            parameters = doc.get("parameters") or {}
            callback = str(parameters["callbackurl"])
        except (ValueError, KeyError, TypeError):
            return refused("700", "订阅参数错误")
        if schema != "json":
            return refused("700", "schema 只支持 json")
        if not hmac.compare_digest(key.encode(), self._settings.aggregator_key.encode()):
            return refused("600", "您不是合法的订阅者 (即授权Key出错)")
        if company not in COMPANIES:
            return refused("701", f"不支持的快递公司 {company}")
        if (company, number) in self.subscriptions:
            return refused("501", "重复订阅")
        salt = str(parameters.get("salt") or "")
        self.subscriptions[(company, number)] = Subscription(company, number, callback, salt)
        return ok("提交成功")

    def query(self, customer: str, sign: str, param: str) -> dict[str, Any]:
        expected = md5_sign(param + self._settings.aggregator_key + customer)
        if customer != self._settings.aggregator_customer or not hmac.compare_digest(
            sign.encode(), expected.encode()
        ):
            return refused("601", "签名或客户编号错误")
        try:
            doc = json.loads(param)
            company, number = str(doc["com"]), str(doc["num"])
        except (ValueError, KeyError, TypeError):
            return refused("700", "查询参数错误")
        parcel = self._parcel(company, number)
        if parcel is None or not parcel.scans:
            return refused("500", "查询无结果, 请隔段时间再查")
        return trace(company, parcel, len(parcel.scans))

    def schedule(self, now: float) -> None:
        """Turn new scans of subscribed parcels into pushes: late, maybe twice, maybe not."""
        settings = self._settings
        for sub in self.subscriptions.values():
            parcel = self._parcel(sub.company, sub.number)
            if parcel is None:
                continue
            while sub.seen < len(parcel.scans):
                sub.seen += 1
                final = parcel.walked and sub.seen == len(parcel.scans)
                if not final and self._rng.random() < settings.aggregator_drop_p:
                    continue
                copies = 2 if self._rng.random() < settings.aggregator_repeat_p else 1
                max_delay = settings.aggregator_delay_paces * settings.pace_s
                for _ in range(copies):
                    sub.scheduled.append((now + self._rng.uniform(0, max_delay), sub.seen))

    def pending(self, carrier: str, waybill_no: str) -> bool:
        for sub in self.subscriptions.values():
            if COMPANIES.get(sub.company) == carrier and sub.number == waybill_no:
                return bool(sub.scheduled) or sub.seen == 0
        return False

    async def push_due(self, http: httpx.AsyncClient, now: float, gate: asyncio.Semaphore) -> None:
        due = [
            s
            for s in self.subscriptions.values()
            if now >= s.due_at and any(at <= now for at, _ in s.scheduled)
        ]
        await asyncio.gather(*(self._push(http, s, now, gate) for s in due))

    async def _push(
        self, http: httpx.AsyncClient, sub: Subscription, now: float, gate: asyncio.Semaphore
    ) -> None:
        parcel = self._parcel(sub.company, sub.number)
        if parcel is None:
            sub.scheduled.clear()
            return
        # Each due push goes on its own, in the order its (random) delay put it.
        for item in sorted((i for i in sub.scheduled if i[0] <= now), key=lambda i: i[0]):
            doc = {
                "status": "shutdown" if item[1] == len(parcel.profile.steps) else "polling",
                "billstatus": "check",
                "message": "",
                "lastResult": trace(sub.company, parcel, item[1]),
            }
            param = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            body = urlencode({"param": param, "sign": md5_sign(param + sub.salt)})
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            async with gate:
                try:
                    response = await http.post(sub.callback_url, content=body, headers=headers)
                    sent, reason = response.is_success, f"HTTP {response.status_code}"
                except httpx.HTTPError as e:
                    sent, reason = False, repr(e)
            if not sent:
                sub.attempts += 1
                backoff = min(0.25 * 2 ** (sub.attempts - 1), MAX_BACKOFF_S)
                sub.due_at = now + backoff
                log.warning("aggregator push of %s failed (%s)", sub.number, reason)
                return
            sub.scheduled.remove(item)
            sub.attempts = 0
            self.pushes += 1


def trace(company: str, parcel: Parcel, length: int) -> dict[str, Any]:
    """The aggregator's view of a waybill after its first `length` scans (newest first)."""
    items = []
    for index, scan in enumerate(parcel.scans[:length]):
        state = parcel.step_of(index).aggregator_state
        at = scan.at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")
        items.append(
            {
                "time": at,
                "ftime": at,
                "context": f"【{scan.location}】{scan.description}",
                "status": STATE_WORDS.get(top_state(state), "在途"),
                "statusCode": state,
                "areaName": scan.location,
            }
        )
    last = parcel.step_of(length - 1).aggregator_state if length else "0"
    return {
        "message": "ok",
        "status": "200",
        "state": top_state(last),
        "condition": "F00",
        "ischeck": "1" if top_state(last) == "3" else "0",
        "com": company,
        "nu": parcel.waybill_no,
        "data": list(reversed(items)),
    }
