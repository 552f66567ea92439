"""The Kuaidi100-style aggregator adapter against the simulated aggregator over HTTP:
subscribe with a callback URL, poll query, signed pushes, codes mapped to our taxonomy,
and a real account as nothing but settings."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from carrier_sim.aggregator import md5_sign, trace
from carrier_sim.app import create_app
from carrier_sim.config import SimSettings
from chainkit.errors import Unauthenticated, Unavailable
from chainstore_dev.testing import free_port
from logistics.adapters.carriers.http import CarrierHttp
from logistics.adapters.carriers.kuaidi100 import AggregatorAccount, Kuaidi100Tracking
from logistics.adapters.carriers.simulated import PushingCarrier
from logistics.domain.tracking import KUAIDI100, TrackingEvent, TrackingStatus, normalise
from logistics.entrypoints.bootstrap import aggregator_account, bootstrap
from logistics.entrypoints.config import Settings

SIM = SimSettings(pace_s=600, aggregator_key="k-123", aggregator_customer="C-9")
CALLBACK = "https://gw.example.test"


def account(base: str, **changes: Any) -> AggregatorAccount:
    fields: dict[str, Any] = {
        "url": f"{base}/kuaidi100",
        "key": "k-123",
        "customer": "C-9",
        "salt": "our-salt",
        "callback_base": CALLBACK,
        "companies": {"ems": "ems", "yto": "yuantong"},
    }
    return AggregatorAccount(**{**fields, **changes})


async def test_subscribe_poll_and_push_map_to_our_taxonomy(serve_asgi: Any) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sim = create_app(SIM)
    http = CarrierHttp(base)
    ems = Kuaidi100Tracking(PushingCarrier("ems", http, b"x"), account(base), timeout_s=5)
    try:
        async with serve_asgi(sim, port):
            new = {"weight_g": 800, "region": "西北", "city": "拉萨市", "service_level": ""}
            waybill = await ems.create_waybill(reference="shp-1", **new)
            # A retry gets the same waybill; the aggregator's "already subscribed" is fine.
            assert await ems.create_waybill(reference="shp-1", **new) == waybill
            [sub] = sim.state.aggregator.subscriptions.values()
            assert (sub.company, sub.number, sub.salt) == ("ems", waybill, "our-salt")
            assert sub.callback_url == f"{CALLBACK}/v1/carriers/ems/events"

            assert await ems.poll_tracking(waybill) == []  # nothing scanned yet
            parcel = sim.state.book.by_waybill("ems", waybill)
            parcel.take_step(0.0, 600)
            parcel.take_step(0.0, 600)
            scans = await ems.poll_tracking(waybill)
            assert [s.code for s in scans] == ["103", "1002"]
            assert {s.vocabulary for s in scans} == {KUAIDI100}
            assert scans[0].at <= scans[1].at and scans[0].description.endswith("已收寄")
            timeline = [TrackingEvent.from_scan("ems", s).status for s in scans]
            assert timeline == [TrackingStatus.PICKED_UP, TrackingStatus.IN_TRANSIT]

            # The push the aggregator would send: the same trace, signed with our salt.
            param = json.dumps({"status": "polling", "lastResult": trace("ems", parcel, 2)})
            body = urlencode({"param": param, "sign": md5_sign(param + "our-salt")}).encode()
            assert [s.code for s in ems.read_push(body, "")] == ["103", "1002"]
            forged = urlencode({"param": param, "sign": md5_sign(param + "guess")}).encode()
            with pytest.raises(Unauthenticated):
                ems.read_push(forged, "")

            # A wrong key cannot subscribe; a wrong customer id cannot query.
            wrong_key = Kuaidi100Tracking(
                PushingCarrier("ems", http, b"x"), account(base, key="nope"), timeout_s=5
            )
            wrong_customer = Kuaidi100Tracking(
                PushingCarrier("ems", http, b"x"), account(base, customer="C-0"), timeout_s=5
            )
            try:
                with pytest.raises(Unavailable, match="600"):
                    await wrong_key.create_waybill(reference="shp-2", **new)
                with pytest.raises(Unavailable, match="601"):
                    await wrong_customer.poll_tracking(waybill)
            finally:
                await wrong_key.aclose()
                await wrong_customer.aclose()
    finally:
        await ems.aclose()
        await http.aclose()


def test_aggregator_codes_cover_the_documented_states() -> None:
    expected = {
        "0": TrackingStatus.IN_TRANSIT,
        "1": TrackingStatus.PICKED_UP,
        "2": TrackingStatus.EXCEPTION,
        "3": TrackingStatus.DELIVERED,
        "4": TrackingStatus.RETURNED_TO_SENDER,
        "5": TrackingStatus.OUT_FOR_DELIVERY,
        "6": TrackingStatus.EXCEPTION,
        "7": TrackingStatus.IN_TRANSIT,
        "8": TrackingStatus.IN_TRANSIT,
        "14": TrackingStatus.EXCEPTION,
    }
    assert {c: normalise("ems", c, KUAIDI100) for c in expected} == expected
    assert normalise("yto", "3", KUAIDI100) is TrackingStatus.DELIVERED  # any carrier
    assert normalise("ems", "999", KUAIDI100) is TrackingStatus.EXCEPTION  # unknown: a human


async def test_a_real_account_is_a_configuration_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "LOGISTICS_AGGREGATOR_URL": "https://poll.aggregator.example",
        "LOGISTICS_AGGREGATOR_KEY": "live-key",
        "LOGISTICS_AGGREGATOR_CUSTOMER": "LIVE-CUSTOMER",
        "LOGISTICS_AGGREGATOR_SALT": "live-salt",
        "LOGISTICS_AGGREGATOR_CALLBACK_BASE": "https://api.chain.example",
        "LOGISTICS_AGGREGATOR_CARRIERS": "ems,yto",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    live = aggregator_account(settings)
    assert (live.url, live.key, live.customer, live.salt) == (
        "https://poll.aggregator.example",
        "live-key",
        "LIVE-CUSTOMER",
        "live-salt",
    )
    assert live.callback_base == "https://api.chain.example"
    assert live.companies["yto"] == "yuantong"
    app = bootstrap(settings, sessions=None)  # type: ignore[arg-type]
    try:
        tracked = {c for c, a in app.deps.adapters.items() if isinstance(a, Kuaidi100Tracking)}
        assert tracked == {"ems", "yto"}
    finally:
        await app.aclose()
    # By default the demo's simulator plays the aggregator, for ems only.
    for name in ("LOGISTICS_AGGREGATOR_URL", "LOGISTICS_AGGREGATOR_CARRIERS"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("CARRIER_SIM_URL", "http://127.0.0.1:8090")
    demo = Settings()
    assert aggregator_account(demo).url == "http://127.0.0.1:8090/kuaidi100"
    assert demo.aggregator_tracked == ["ems"]
