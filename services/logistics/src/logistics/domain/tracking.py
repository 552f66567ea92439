"""The normalised tracking taxonomy and each carrier's own raw codes mapped onto it.

Real carriers each speak their own vocabulary (letters at one, numbers at another); we
store the raw code beside the normalised status so nothing the carrier said is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class TrackingStatus(StrEnum):
    INFO_RECEIVED = "info_received"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    ARRIVED_AT_HUB = "arrived_at_hub"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TrackingStatus.DELIVERED, TrackingStatus.RETURNED_TO_SENDER})

# Each carrier's own scan codes, as its API reports them (modelled on the real ones).
# sf (push): three-letter route codes.
SF_CODES: dict[str, TrackingStatus] = {
    "MAN": TrackingStatus.INFO_RECEIVED,  # manifest received (已下单)
    "PKP": TrackingStatus.PICKED_UP,  # 已收取快件
    "DEP": TrackingStatus.IN_TRANSIT,  # departed facility (已发车)
    "LNH": TrackingStatus.IN_TRANSIT,  # line haul (干线运输)
    "ARR": TrackingStatus.ARRIVED_AT_HUB,  # 到达中转场
    "OFD": TrackingStatus.OUT_FOR_DELIVERY,  # 派送中
    "DLV": TrackingStatus.DELIVERED,  # 已签收
    "NAH": TrackingStatus.FAILED_ATTEMPT,  # nobody at home (派送不成功)
    "EXC": TrackingStatus.EXCEPTION,  # 异常
    "RTS": TrackingStatus.RETURNED_TO_SENDER,  # 已退回
}

# zto (poll): numeric scan types.
ZTO_CODES: dict[str, TrackingStatus] = {
    "10": TrackingStatus.INFO_RECEIVED,  # 下单
    "20": TrackingStatus.PICKED_UP,  # 收件
    "30": TrackingStatus.IN_TRANSIT,  # 发件
    "31": TrackingStatus.ARRIVED_AT_HUB,  # 到件
    "40": TrackingStatus.OUT_FOR_DELIVERY,  # 派件
    "50": TrackingStatus.DELIVERED,  # 签收
    "60": TrackingStatus.FAILED_ATTEMPT,  # 派件失败
    "70": TrackingStatus.EXCEPTION,  # 问题件
    "80": TrackingStatus.RETURNED_TO_SENDER,  # 退件签收
}

# yto (poll): YTO's upper-case operation words.
YTO_CODES: dict[str, TrackingStatus] = {
    "ORDER": TrackingStatus.INFO_RECEIVED,
    "GOT": TrackingStatus.PICKED_UP,
    "DEPARTURE": TrackingStatus.IN_TRANSIT,
    "ARRIVAL": TrackingStatus.ARRIVED_AT_HUB,
    "SENT_SCAN": TrackingStatus.OUT_FOR_DELIVERY,
    "SIGNED": TrackingStatus.DELIVERED,
    "FAILED": TrackingStatus.FAILED_ATTEMPT,
    "PROBLEM": TrackingStatus.EXCEPTION,
    "RETURN_SIGNED": TrackingStatus.RETURNED_TO_SENDER,
}

# jd (push): JD's numeric node codes.
JD_CODES: dict[str, TrackingStatus] = {
    "100": TrackingStatus.INFO_RECEIVED,
    "200": TrackingStatus.PICKED_UP,
    "300": TrackingStatus.IN_TRANSIT,
    "400": TrackingStatus.ARRIVED_AT_HUB,
    "500": TrackingStatus.OUT_FOR_DELIVERY,
    "600": TrackingStatus.DELIVERED,
    "610": TrackingStatus.FAILED_ATTEMPT,
    "700": TrackingStatus.EXCEPTION,
    "800": TrackingStatus.RETURNED_TO_SENDER,
}

# ems (push): EMS-like, whose own codes we never see: its scans reach us through the
# aggregator, in the aggregator's vocabulary (below).
EMS_CODES: dict[str, TrackingStatus] = {
    "10": TrackingStatus.INFO_RECEIVED,
    "20": TrackingStatus.PICKED_UP,
    "30": TrackingStatus.IN_TRANSIT,
    "40": TrackingStatus.ARRIVED_AT_HUB,
    "50": TrackingStatus.OUT_FOR_DELIVERY,
    "60": TrackingStatus.DELIVERED,
    "61": TrackingStatus.FAILED_ATTEMPT,
    "70": TrackingStatus.EXCEPTION,
    "80": TrackingStatus.RETURNED_TO_SENDER,
}

# A Kuaidi100-style tracking aggregator's state codes (`state`, and with resultv2 the
# finer sub-states), whichever carrier the parcel travels with.
KUAIDI100 = "kuaidi100"
KUAIDI100_CODES: dict[str, TrackingStatus] = {
    "0": TrackingStatus.IN_TRANSIT,  # 在途
    "1": TrackingStatus.PICKED_UP,  # 揽收
    "2": TrackingStatus.EXCEPTION,  # 疑难
    "3": TrackingStatus.DELIVERED,  # 签收
    "4": TrackingStatus.RETURNED_TO_SENDER,  # 退签: the sender signed for it back
    "5": TrackingStatus.OUT_FOR_DELIVERY,  # 派件
    "6": TrackingStatus.EXCEPTION,  # 退回: on its way back, not delivered
    "7": TrackingStatus.IN_TRANSIT,  # 转单: handed to another carrier
    "8": TrackingStatus.IN_TRANSIT,  # 清关
    "10": TrackingStatus.IN_TRANSIT,  # 待清关
    "11": TrackingStatus.IN_TRANSIT,  # 清关中
    "12": TrackingStatus.IN_TRANSIT,  # 已清关
    "13": TrackingStatus.EXCEPTION,  # 清关异常
    "14": TrackingStatus.EXCEPTION,  # 拒签: refused, someone must decide what next
    "101": TrackingStatus.INFO_RECEIVED,  # 已下单
    "102": TrackingStatus.INFO_RECEIVED,  # 待揽收
    "103": TrackingStatus.PICKED_UP,  # 已揽收
    "1001": TrackingStatus.ARRIVED_AT_HUB,  # 到达派件城市
    "1002": TrackingStatus.IN_TRANSIT,  # 干线
    "1003": TrackingStatus.IN_TRANSIT,  # 转递
    "501": TrackingStatus.OUT_FOR_DELIVERY,  # 投柜或驿站, waiting to be collected
    "301": TrackingStatus.DELIVERED,  # 本人签收
    "302": TrackingStatus.DELIVERED,  # 派件异常后签收
    "303": TrackingStatus.DELIVERED,  # 代签
    "304": TrackingStatus.DELIVERED,  # 投柜或站签收
    "401": TrackingStatus.EXCEPTION,  # 已销单
    "201": TrackingStatus.EXCEPTION,  # 超时未签收
    "202": TrackingStatus.EXCEPTION,  # 超时未更新
    "203": TrackingStatus.EXCEPTION,  # 拒收
    "204": TrackingStatus.FAILED_ATTEMPT,  # 派件异常
    "205": TrackingStatus.FAILED_ATTEMPT,  # 柜或驿站超时未取
    "206": TrackingStatus.FAILED_ATTEMPT,  # 无法联系
    "207": TrackingStatus.EXCEPTION,  # 超区
    "208": TrackingStatus.EXCEPTION,  # 滞留
    "209": TrackingStatus.EXCEPTION,  # 破损
}

CARRIER_CODES: dict[str, dict[str, TrackingStatus]] = {
    "sf": SF_CODES,
    "zto": ZTO_CODES,
    "yto": YTO_CODES,
    "jd": JD_CODES,
    "ems": EMS_CODES,
}

# Vocabularies that are not one carrier's own: an aggregator speaks for many carriers.
VOCABULARIES: dict[str, dict[str, TrackingStatus]] = {KUAIDI100: KUAIDI100_CODES}


def normalise(carrier: str, raw_code: str, vocabulary: str = "") -> TrackingStatus:
    """A raw code in our taxonomy: in `vocabulary` when given, else in the carrier's own.

    A code we do not know becomes `exception`: it needs a human's eye, and guessing a
    happier status could hide a lost parcel.
    """
    codes = VOCABULARIES.get(vocabulary, {}) if vocabulary else CARRIER_CODES.get(carrier, {})
    return codes.get(raw_code.strip().upper(), TrackingStatus.EXCEPTION)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime (SQLite hands those back) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class CarrierScan:
    """One scan as a carrier reported it, before normalisation."""

    waybill_no: str
    code: str
    at: datetime
    location: str = ""
    description: str = ""
    event_id: str = ""  # empty when the carrier gives none
    vocabulary: str = ""  # whose codes `code` is in: '' = the carrier's own (KUAIDI100)


@dataclass(frozen=True)
class TrackingEvent:
    """One normalised entry of a shipment's timeline."""

    at: datetime
    status: TrackingStatus
    raw_code: str
    location: str
    description: str
    dedup_key: str

    @classmethod
    def from_scan(cls, carrier: str, scan: CarrierScan) -> TrackingEvent:
        at = as_utc(scan.at)
        return cls(
            at=at,
            status=normalise(carrier, scan.code, scan.vocabulary),
            raw_code=scan.code,
            location=scan.location,
            description=scan.description,
            dedup_key=dedup_key(scan.event_id, at, scan.code),
        )


def dedup_key(event_id: str, at: datetime, raw_code: str) -> str:
    """The carrier's event id when it gives one, else (event time, raw code)."""
    if event_id:
        return f"id:{event_id}"
    return f"at:{as_utc(at).isoformat()}|{raw_code}"
