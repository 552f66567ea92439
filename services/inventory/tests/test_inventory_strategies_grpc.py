"""Strategies chosen per request over gRPC: nearest by the destination's coordinates,
fewest shipments, and the franchise store's own stock."""

from __future__ import annotations

from typing import Any

from chainstore.common.v1.common_pb2 import GeoPoint
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def add(inventory: Any, location_id: str, lat: float, lon: float, **kw: Any) -> None:
    request = pb.CreateLocationRequest(
        location=pb.Location(
            location_id=location_id,
            name=location_id,
            kind=kw.get("kind", pb.LOCATION_KIND_WAREHOUSE),
            region=kw.get("region", "east"),
            priority=kw.get("priority", 1),
            point=GeoPoint(lat=lat, lon=lon),
        )
    )
    if "share_online" in kw:
        request.share_online = kw["share_online"]
    await inventory.stub.CreateLocation(request, timeout=T)


async def test_nearest_and_fewest_shipments_over_grpc(inventory: Any) -> None:
    await add(inventory, "WH-BJ", 39.90, 116.40, region="north", priority=0)
    await add(inventory, "WH-HZ", 30.27, 120.15, priority=5)
    await add(inventory, "FR-SH", 31.23, 121.47, kind=pb.LOCATION_KIND_STORE, priority=0)
    for sku in ["TEA-1", "CUP-1"]:
        await inventory.add_product(sku)
    await inventory.receive("WH-BJ", TEA_1=10, CUP_1=10)
    await inventory.receive("WH-HZ", TEA_1=10)
    await inventory.receive("FR-SH", TEA_1=10, CUP_1=10)

    near = pb.ReserveRequest(
        reservation_id="R-NEAR",
        lines=[{"sku": "TEA-1", "qty": 2}],
        region="east",
        strategy="nearest",
        destination=GeoPoint(lat=31.23, lon=121.47),  # Shanghai
    )
    r = await inventory.stub.Reserve(near, timeout=T)
    # The franchise shelf in Shanghai is nearest but not shared: Hangzhou it is.
    assert [(a.location_id, a.qty) for a in r.allocations] == [("WH-HZ", 2)]
    assert r.allocations[0].reason.startswith("nearest: 16")

    own = pb.ReserveRequest(
        reservation_id="R-OWN",
        lines=[{"sku": "TEA-1", "qty": 2}],
        strategy="nearest",
        destination=GeoPoint(lat=31.23, lon=121.47),
        home_location_id="FR-SH",
    )
    r = await inventory.stub.Reserve(own, timeout=T)
    assert [a.location_id for a in r.allocations] == ["FR-SH"]

    fewest = pb.ReserveRequest(
        reservation_id="R-FEW",
        lines=[{"sku": "TEA-1", "qty": 1}, {"sku": "CUP-1", "qty": 1}],
        region="east",
        strategy="fewest_shipments",
    )
    r = await inventory.stub.Reserve(fewest, timeout=T)
    # Region first would split (TEA from Hangzhou, CUP from Beijing); one parcel is enough.
    assert {a.location_id for a in r.allocations} == {"WH-BJ"}
    assert r.allocations[0].reason.startswith("fewest_shipments: fills the whole order")
