"""The simulated carriers: their waybill formats, raw scan codes and how they report.

Modelled on real Chinese couriers (see logistics.domain.carriers): each speaks its own
vocabulary, as real ones do, and each scan also carries the state a Kuaidi100-style
aggregator reports for it, so any of them can be tracked through the aggregator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    code: str
    description: str
    where: str  # "origin", "region", "city": filled in from the parcel
    aggregator_state: str  # the aggregator's statusCode for this scan (resultv2)


@dataclass(frozen=True)
class CarrierProfile:
    code: str
    waybill_prefix: str
    push: bool  # pushes signed scans to a webhook itself; else waits to be polled
    gives_event_ids: bool
    steps: tuple[Step, ...]
    # Seconds between scans = the simulator's pace x this.
    pace_factor: float = 1.0
    # Answers 429 + Retry-After past this many tracking queries per second (poll carriers).
    rate_limited: bool = False


PROFILES: dict[str, CarrierProfile] = {
    "sf": CarrierProfile(
        code="sf",
        waybill_prefix="SF",
        push=True,
        gives_event_ids=True,
        steps=(
            Step("PKP", "顺丰速运 已收取快件", "origin", "103"),
            Step("DEP", "快件已发车", "region", "1002"),
            Step("OFD", "快件派送中", "city", "5"),
            Step("DLV", "快件已签收, 签收人: 本人", "city", "301"),
        ),
    ),
    "zto": CarrierProfile(
        code="zto",
        waybill_prefix="ZT",
        push=False,
        gives_event_ids=False,
        steps=(
            Step("20", "快件已被揽收", "origin", "103"),
            Step("30", "快件已发往转运中心", "region", "1002"),
            Step("40", "快递员正在派件", "city", "5"),
            Step("50", "快件已签收", "city", "301"),
        ),
        rate_limited=True,
    ),
    "yto": CarrierProfile(
        code="yto",
        waybill_prefix="YT",
        push=False,
        gives_event_ids=False,
        steps=(
            Step("GOT", "您的快件已被揽收", "origin", "103"),
            Step("DEPARTURE", "快件已发出", "region", "1002"),
            Step("ARRIVAL", "快件已到达网点", "city", "1001"),
            Step("SENT_SCAN", "快件派送中", "city", "5"),
            Step("SIGNED", "快件已签收", "city", "301"),
        ),
        pace_factor=2.0,
    ),
    "jd": CarrierProfile(
        code="jd",
        waybill_prefix="JD",
        push=True,
        gives_event_ids=True,
        steps=(
            Step("200", "京东快递 已揽收", "origin", "103"),
            Step("400", "已到达分拣中心", "region", "1001"),
            Step("500", "配送员正在为您派件", "city", "5"),
            Step("600", "已签收, 感谢使用京东物流", "city", "301"),
        ),
    ),
    "ems": CarrierProfile(
        code="ems",
        waybill_prefix="EM",
        # Pushes nothing itself: its scans reach the chain through the aggregator.
        push=False,
        gives_event_ids=False,
        steps=(
            Step("20", "邮政 EMS 已收寄", "origin", "103"),
            Step("30", "离开处理中心, 发往目的地", "region", "1002"),
            Step("40", "到达投递局", "city", "1001"),
            Step("50", "投递员正在投递", "city", "5"),
            Step("60", "已妥投, 本人签收", "city", "301"),
        ),
        pace_factor=2.0,
    ),
}
