"""The pure rules: raw-code mapping, timeline dedup and order, terminal finality, carrier choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chainkit.errors import Conflict
from logistics.domain.carrier_choice import Parcel, choose_carrier
from logistics.domain.carriers import DEFAULT_CARRIERS
from logistics.domain.events import (
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentException,
    ShipmentStalled,
    ShipmentUnstalled,
    ShipmentUpdated,
)
from logistics.domain.shipment import Shipment, shipment_id_for
from logistics.domain.tracking import CARRIER_CODES, CarrierScan, TrackingStatus, normalise

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_shipment(carrier: str = "sf") -> Shipment:
    parcel = Parcel("east", 1000)
    chosen = choose_carrier(DEFAULT_CARRIERS, parcel, override=carrier)
    return Shipment.create(
        order_id="o-1",
        store_id="s-1",
        location_id="wh-1",
        choice=chosen,
        parcel=parcel,
        waybill_no="SW000000000001",
        city="Hangzhou",
        now=T0,
    )


def scan(code: str, minutes: int, event_id: str = "") -> CarrierScan:
    return CarrierScan("SW000000000001", code, at(minutes), "hub", code, event_id)


def test_each_carrier_speaks_its_own_codes() -> None:
    assert normalise("sf", "DLV") is TrackingStatus.DELIVERED
    assert normalise("zto", "50") is TrackingStatus.DELIVERED
    assert normalise("sf", "50") is TrackingStatus.EXCEPTION  # zto's code means nothing
    assert normalise("zto", "DLV") is TrackingStatus.EXCEPTION
    assert normalise("sf", "ofd") is TrackingStatus.OUT_FOR_DELIVERY
    assert normalise("nobody", "DLV") is TrackingStatus.EXCEPTION


def test_every_status_is_reachable_from_each_carrier() -> None:
    for carrier in ("sf", "zto", "yto"):
        assert set(CARRIER_CODES[carrier].values()) == set(TrackingStatus)


def test_duplicates_dropped_by_event_id_else_by_time_and_code() -> None:
    s = new_shipment()
    assert len(s.record([scan("PKP", 1, "e1"), scan("PKP", 1, "e1")])) == 1
    assert s.record([scan("PKP", 1, "e1")]) == []
    # Same time and code but a different carrier event id: a distinct scan.
    assert len(s.record([scan("PKP", 1, "e2")])) == 1
    zto = new_shipment("zto")
    assert len(zto.record([scan("20", 1), scan("20", 1), scan("30", 2)])) == 2
    assert zto.record([scan("30", 2)]) == []
    assert len(zto.events) == 2


def test_late_scan_is_placed_by_event_time() -> None:
    s = new_shipment()
    s.record([scan("PKP", 1, "a"), scan("OFD", 30, "c")])
    assert s.status is TrackingStatus.OUT_FOR_DELIVERY
    new = s.record([scan("DEP", 10, "b")])
    assert [e.raw_code for e in new] == ["DEP"]
    assert [e.raw_code for e in s.events] == ["PKP", "DEP", "OFD"]
    assert s.status is TrackingStatus.OUT_FOR_DELIVERY  # the newest scan still rules
    assert s.last_update_at == at(30)


def test_terminal_status_is_never_overwritten() -> None:
    s = new_shipment()
    s.record([scan("DLV", 40, "d")])
    assert s.status is TrackingStatus.DELIVERED
    s.record([scan("OFD", 30, "c"), scan("DEP", 10, "b")])  # late, earlier scans
    assert s.status is TrackingStatus.DELIVERED
    s.record([scan("EXC", 50, "x")])  # even a later glitch does not reopen it
    assert s.status is TrackingStatus.DELIVERED
    assert [e.raw_code for e in s.events] == ["DEP", "OFD", "DLV", "EXC"]


def test_terminal_in_the_same_batch_wins_over_a_later_non_terminal() -> None:
    s = new_shipment()
    s.record([scan("DLV", 40, "d"), scan("OFD", 45, "e")])
    assert s.status is TrackingStatus.DELIVERED


def test_silent_too_long_only_while_under_way() -> None:
    s = new_shipment()
    s.record([scan("PKP", 1, "a")])
    assert not s.silent_for_too_long(at(60), timedelta(hours=2))
    assert s.silent_for_too_long(at(200), timedelta(hours=2))
    assert not s.silent_for_too_long(at(200), None)
    s.record([scan("DLV", 300, "d")])
    assert not s.silent_for_too_long(at(10_000), timedelta(hours=2))
    waiting = new_shipment()
    waiting.cancel(at(5), "customer changed their mind")
    assert not waiting.silent_for_too_long(at(10_000), timedelta(hours=2))


def test_cancel_only_before_pickup_and_once() -> None:
    s = new_shipment()
    assert s.cancel(at(5), "wrong address") and s.cancelled_at == at(5)
    assert not s.cancel(at(6), "again")  # a retry: no second cancellation
    assert s.cancel_reason == "wrong address"
    picked = new_shipment()
    picked.record([scan("PKP", 1, "a")])
    with pytest.raises(Conflict):
        picked.cancel(at(5), "too late")
    assert picked.cancelled_at is None


def test_shipment_id_is_deterministic_per_order_and_location() -> None:
    assert shipment_id_for("o-1", "wh-1") == shipment_id_for("o-1", "wh-1")
    assert shipment_id_for("o-1", "wh-1") != shipment_id_for("o-1", "wh-2")
    assert new_shipment().shipment_id == shipment_id_for("o-1", "wh-1")


def test_estimated_delivery_is_created_plus_speed_days() -> None:
    assert new_shipment("sf").estimated_delivery_at == T0 + timedelta(days=1)
    assert new_shipment("zto").estimated_delivery_at == T0 + timedelta(days=3)


def test_shipment_records_what_its_changes_mean() -> None:
    s = new_shipment()
    assert [type(e) for e in s.pop_domain_events()] == [ShipmentCreated]
    assert s.pop_domain_events() == []  # popped once
    s.mark_stalled(at(1))
    [stalled] = s.pop_domain_events()
    assert isinstance(stalled, ShipmentStalled) and stalled.silent_since == T0
    assert s.stalled_at == at(1)

    failed, delivered = s.events_from([scan("NAH", 10, "a"), scan("DLV", 20, "b")])
    s.take_in([failed, delivered], None, now=at(20), stall_limit=lambda _: timedelta(hours=2))
    recorded = s.pop_domain_events()
    assert [type(e) for e in recorded] == [
        ShipmentUnstalled,
        ShipmentUpdated,
        ShipmentException,  # a failed attempt: the store must hear about it
        ShipmentUpdated,
        ShipmentDelivered,
    ]
    assert isinstance(recorded[0], ShipmentUnstalled) and recorded[0].flagged_at == at(1)
    assert s.stalled_at is None and s.status is TrackingStatus.DELIVERED

    waiting = new_shipment()
    waiting.pop_domain_events()
    waiting.cancel(at(5), "wrong address")
    assert [type(e) for e in waiting.pop_domain_events()] == [ShipmentCancelled]
