"""Estimated delivery refined from scans (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from logistics.domain.carrier_choice import Parcel, choose_carrier
from logistics.domain.carriers import DEFAULT_CARRIERS
from logistics.domain.estimate import end_of_local_day
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)  # 16:00 in China
END_OF_MARCH_1 = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 UTC+8


def shipment(carrier: str = "zto") -> Shipment:
    parcel = Parcel("east", 1000)
    return Shipment.create(
        order_id="o-1",
        store_id="s-1",
        location_id="wh-1",
        choice=choose_carrier(DEFAULT_CARRIERS, parcel, override=carrier),
        parcel=parcel,
        waybill_no="ST1",
        city="Hangzhou",
        now=T0,
    )


def scan(code: str, minutes: int, where: str = "Origin depot") -> CarrierScan:
    return CarrierScan("ST1", code, T0 + timedelta(minutes=minutes), where, code, code)


def test_end_of_the_local_delivery_day() -> None:
    assert end_of_local_day(T0) == END_OF_MARCH_1
    assert end_of_local_day(T0, days_later=1) == END_OF_MARCH_1 + timedelta(days=1)
    # 17:00 UTC is already March 2 in China.
    assert end_of_local_day(T0 + timedelta(hours=9)) == END_OF_MARCH_1 + timedelta(days=1)


def test_promise_stands_until_a_scan_says_more() -> None:
    s = shipment()
    promised = s.estimated_delivery_at
    assert promised == T0 + timedelta(days=3)
    s.record([scan("20", 10), scan("30", 20)])  # picked up, in transit: nothing new
    assert s.estimated_delivery_at == promised
    s.record([scan("31", 30, "west hub")])  # a hub, but not the destination region's
    assert s.estimated_delivery_at == promised


def test_hub_in_destination_region_means_tomorrow() -> None:
    s = shipment()
    s.record([scan("31", 30, "East hub")])
    assert s.estimated_delivery_at == END_OF_MARCH_1 + timedelta(days=1)


def test_out_for_delivery_means_today_and_delivered_means_then() -> None:
    s = shipment()
    s.record([scan("40", 60, "Hangzhou")])
    assert s.estimated_delivery_at == END_OF_MARCH_1
    s.record([scan("20", 5)])  # a late, earlier scan changes nothing
    assert s.estimated_delivery_at == END_OF_MARCH_1
    s.record([scan("50", 90, "Hangzhou")])
    assert s.estimated_delivery_at == T0 + timedelta(minutes=90)


def test_failed_attempt_means_next_day_and_a_broken_promise_moves_on() -> None:
    s = shipment()
    s.record([scan("60", 60, "Hangzhou")])
    assert s.estimated_delivery_at == END_OF_MARCH_1 + timedelta(days=1)
    late = shipment()
    four_days = 4 * 24 * 60
    late.record([scan("30", four_days)])  # still in transit after the promised 3 days
    assert late.estimated_delivery_at == END_OF_MARCH_1 + timedelta(days=5)
    late.record([scan("70", four_days + 10)])  # exception: nobody knows; keep the record
    assert late.estimated_delivery_at == END_OF_MARCH_1 + timedelta(days=5)
