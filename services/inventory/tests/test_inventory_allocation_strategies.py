"""The nearest and fewest-shipments strategies, and the franchise rule under each."""

from __future__ import annotations

import pytest

from inventory.domain.allocation import Allocation, Candidate, allocate
from inventory.domain.geo import Point, haversine_km
from inventory.domain.model import SkuQty
from inventory.domain.strategies import fewest_locations

SHANGHAI = Point(31.23, 121.47)
HANGZHOU = Point(30.27, 120.15)
BEIJING = Point(39.90, 116.40)


def cand(
    location_id: str,
    available: int,
    *,
    sku: str = "A",
    region: str = "east",
    priority: int = 1,
    at: Point | None = None,
    share: bool = True,
) -> Candidate:
    return Candidate(
        location_id,
        sku,
        region,
        priority,
        available,
        share,
        at.lat if at else None,
        at.lon if at else None,
    )


def placed(allocations: list[Allocation]) -> list[tuple[str, str, int]]:
    return [(a.location_id, a.sku, a.qty) for a in allocations]


def test_haversine_is_about_right() -> None:
    assert 160 < haversine_km(SHANGHAI, HANGZHOU) < 170
    assert haversine_km(BEIJING, BEIJING) == 0


def test_nearest_takes_the_closest_then_the_next() -> None:
    candidates = [
        cand("BJ", 50, at=BEIJING, priority=0),
        cand("HZ", 2, at=HANGZHOU, priority=5),
        cand("NOWHERE", 50, priority=0),
    ]
    result = allocate(
        [SkuQty("A", 5)], candidates, region="east", strategy="nearest", destination=SHANGHAI
    )
    assert placed(result) == [("HZ", "A", 2), ("BJ", "A", 3)]
    assert result[0].reason.startswith("nearest: 16")
    assert "km from destination" in result[0].reason


def test_nearest_without_coordinates_falls_back_to_region_priority() -> None:
    candidates = [cand("W-WEST", 9, region="west", priority=0), cand("W-EAST", 9, priority=3)]
    result = allocate([SkuQty("A", 1)], candidates, region="east", strategy="nearest")
    assert placed(result) == [("W-EAST", "A", 1)]
    assert (
        result[0].reason
        == "nearest: no destination coordinates, same region east, priority 3, 9 available"
    )


def test_fewest_shipments_prefers_one_location_that_fills_everything() -> None:
    candidates = [
        cand("NEAR", 5, sku="A", priority=0),
        cand("NEAR", 0, sku="B", priority=0),
        cand("FAR", 5, sku="A", region="west"),
        cand("FAR", 5, sku="B", region="west"),
    ]
    lines = [SkuQty("A", 2), SkuQty("B", 1)]
    by_region = allocate(lines, candidates, region="east")
    assert {a.location_id for a in by_region} == {"NEAR", "FAR"}
    fewest = allocate(lines, candidates, region="east", strategy="fewest_shipments")
    assert placed(fewest) == [("FAR", "A", 2), ("FAR", "B", 1)]
    assert fewest[0].reason.startswith("fewest_shipments: fills the whole order, other region")


def test_fewest_shipments_finds_the_smallest_split() -> None:
    # Greedy by region/priority would take L1, L2, L3; two locations suffice: L1 + L4.
    candidates = [
        cand("L1", 4, sku="A", priority=1),
        cand("L2", 3, sku="B", priority=2),
        cand("L3", 3, sku="B", priority=3),
        cand("L4", 6, sku="B", priority=4),
    ]
    lines = [SkuQty("A", 4), SkuQty("B", 6)]
    result = allocate(lines, candidates, region="east", strategy="fewest_shipments")
    assert placed(result) == [("L1", "A", 4), ("L4", "B", 6)]
    assert "1 of 2 locations" in result[0].reason


def test_greedy_beyond_the_exact_limit_still_covers() -> None:
    stock = {f"L{i:02d}": {"A": 1} for i in range(20)}
    stock["L19"] = {"A": 10}
    chosen = fewest_locations({"A": 12}, stock, sorted(stock))
    assert chosen[-1] == "L19" and len(chosen) == 3


@pytest.mark.parametrize("strategy", ["region_priority", "nearest", "fewest_shipments"])
def test_franchise_stock_only_serves_its_own_store_unless_shared(strategy: str) -> None:
    franchise = cand("FR-1", 10, priority=0, at=SHANGHAI, share=False)
    warehouse = cand("WH", 10, priority=9, at=BEIJING)
    kwargs = {"region": "east", "strategy": strategy, "destination": SHANGHAI}
    other = allocate([SkuQty("A", 3)], [franchise, warehouse], home_location_id="ST-9", **kwargs)
    assert placed(other) == [("WH", "A", 3)]
    own = allocate([SkuQty("A", 3)], [franchise, warehouse], home_location_id="FR-1", **kwargs)
    assert placed(own) == [("FR-1", "A", 3)]
    shared = cand("FR-1", 10, priority=0, at=SHANGHAI, share=True)
    assert placed(allocate([SkuQty("A", 3)], [shared, warehouse], **kwargs)) == [("FR-1", "A", 3)]
