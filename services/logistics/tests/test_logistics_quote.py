"""QuoteShipments answers what CreateShipments will choose, and writes nothing; ListCarriers
reports a carrier's open push gap from the stored state (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit.errors import InvalidArgument
from chainstore.common.v1 import common_pb2
from chainstore.logistics.v1 import logistics_pb2 as pb
from logistics.adapters.carriers.signed_push import sign
from logistics.adapters.tables import ShipmentRow
from logistics.entrypoints.servicer import LogisticsServicer
from logistics.service_layer import commands, shipping, stalls, tracking
from logistics.service_layer.deps import Deps

SECRET = b"test-carrier-secret"
TWO = [commands.PackageSpec("wh-light", 800), commands.PackageSpec("wh-heavy", 15_000)]


def push_swift(waybill: str, event_id: str, code: str, at: datetime) -> bytes:
    scan = {"event_id": event_id, "waybill_no": waybill, "code": code, "at": at.isoformat()}
    return json.dumps({"events": [scan]}).encode()


def query(**kw: Any) -> commands.QuoteShipments:
    return commands.QuoteShipments(
        **{"store_id": "s-1", "region": "east", "city": "Hangzhou", "packages": TWO, **kw}
    )


def create(order_id: str, q: commands.QuoteShipments) -> commands.CreateShipments:
    return commands.CreateShipments(order_id=order_id, **vars(q))


async def stored_shipments(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = await session.execute(select(func.count(col(ShipmentRow.shipment_id))))
        return int(found.scalar_one())


@pytest.mark.parametrize(
    ("settings", "rules"),
    [
        ({}, ["cheapest", "cheapest"]),
        ({"preferred_carrier": "zto"}, ["preference", "preference"]),
        ({"carrier": "jd", "service_level": "express"}, ["override", "override"]),
        ({"region": "", "province_code": "540000"}, ["only", "only"]),  # 西藏: ems alone
        ({"preferred_carrier": "sf", "province_code": "650000", "region": ""}, ["only", "only"]),
    ],
)
async def test_quote_is_what_create_then_records_and_writes_nothing(
    deps: Deps,
    carrier_api: Any,
    count_outbox: Any,
    sessions: async_sessionmaker[AsyncSession],
    settings: dict[str, str],
    rules: list[str],
) -> None:
    q = query(**settings)
    quoted = shipping.quote_shipments(deps, q)
    assert [p.choice.rule for p in quoted] == rules
    assert carrier_api.create_calls == []
    assert await stored_shipments(sessions) == 0
    assert await count_outbox("logistics.shipment_created") == 0

    made = await shipping.create_shipments(deps, create("o-1", q))
    assert [
        (s.location_id, s.carrier, s.service_level, s.carrier_reason, s.price) for s in made
    ] == [
        (
            p.package.location_id,
            p.choice.carrier.code,
            p.parcel.level.value,
            p.choice.reason,
            p.choice.price,
        )
        for p in quoted
    ]


async def test_quote_names_the_carriers_that_could_take_each_package(deps: Deps) -> None:
    light, heavy = shipping.quote_shipments(deps, query())
    assert set(light.eligible) == {"sf", "zto", "yto", "jd", "ems"}
    assert set(heavy.eligible) == {"sf", "zto", "jd", "ems"}  # yto takes up to 10 kg
    [remote] = shipping.quote_shipments(
        deps, query(region="", province_code="540000", packages=TWO[:1])
    )
    assert remote.eligible == ("ems",) and remote.choice.carrier.code == "ems"
    assert "cannot serve" not in remote.choice.reason


async def test_quote_refuses_what_create_refuses(deps: Deps, carrier_api: Any) -> None:
    with pytest.raises(InvalidArgument) as bad:
        shipping.quote_shipments(deps, query(packages=[commands.PackageSpec("", 0)]))
    assert {e.field for e in bad.value.errors} == {
        "packages[0].location_id",
        "packages[0].weight_g",
    }
    with pytest.raises(InvalidArgument, match="sf does not serve"):
        shipping.quote_shipments(deps, query(carrier="sf", region="", province_code="540000"))
    assert carrier_api.create_calls == []


async def test_quote_over_grpc_translates_every_field(deps: Deps) -> None:
    request = pb.QuoteShipmentsRequest(
        store_id="s-1",
        destination=common_pb2.Address(province_code="630000", city="西宁市"),  # 青海
        packages=[pb.Package(location_id="WH-WEST", weight_g=1200, origin_region="西北")],
        service_level="economy",
    )
    reply = await LogisticsServicer(deps).QuoteShipments(request, None)  # type: ignore[arg-type]
    [quote] = reply.packages
    assert (quote.location_id, quote.carrier, quote.service_level, quote.rule) == (
        "WH-WEST",
        "ems",
        "economy",
        "only",
    )
    assert quote.weight_g == 1200 and quote.price > 0 and quote.days > 0
    assert list(quote.eligible_carriers) == ["ems"]
    assert "province 630000" in quote.carrier_reason


async def test_list_carriers_reports_an_open_push_gap_and_not_a_closed_one(
    deps: Deps, clock: Any
) -> None:
    servicer = LogisticsServicer(deps)

    async def gaps() -> dict[str, bool]:
        reply = await servicer.ListCarriers(pb.ListCarriersRequest(), None)  # type: ignore[arg-type]
        return {c.code: c.HasField("push_gap_since") for c in reply.items}

    assert not any((await gaps()).values())
    [parcel] = await shipping.create_shipments(
        deps, create("o-1", query(carrier="sf", packages=TWO[:1]))
    )
    clock.advance(hours=7)  # sf pushes; silent past its 6 h gap limit
    assert (await stalls.sweep(deps)).gaps_opened == ["sf"]
    [sf] = [c for c in await shipping.list_carriers(deps) if c.carrier.code == "sf"]
    assert sf.push_gap_since == clock.now
    assert await gaps() == {"sf": True, "zto": False, "yto": False, "jd": False, "ems": False}

    body = push_swift(parcel.waybill_no, "e1", "PKP", clock.now)
    await tracking.ingest_push(deps, "sf", body, sign(SECRET, body))
    assert (await stalls.sweep(deps)).gaps_closed == ["sf"]
    assert not any((await gaps()).values())
