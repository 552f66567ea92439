"""Allocation rules: region first, then priority, then id; splits; eligibility; shortfall."""

from __future__ import annotations

import pytest

from chainkit.errors import Conflict, InvalidArgument
from inventory.domain.allocation import Allocation, Candidate, allocate, resolve_strategy
from inventory.domain.errors import InsufficientStock
from inventory.domain.model import SkuQty


def cand(
    location_id: str,
    available: int,
    *,
    region: str = "east",
    priority: int = 1,
    sku: str = "A",
    share: bool = True,
) -> Candidate:
    return Candidate(location_id, sku, region, priority, available, share)


def placed(allocations: list[Allocation]) -> list[tuple[str, str, int]]:
    return [(a.location_id, a.sku, a.qty) for a in allocations]


def test_same_region_beats_better_priority_elsewhere() -> None:
    candidates = [cand("W-WEST", 10, region="west", priority=0), cand("W-EAST", 10, priority=5)]
    result = allocate([SkuQty("A", 3)], candidates, region="east")
    assert placed(result) == [("W-EAST", "A", 3)]
    assert result[0].reason == "region_priority: same region east, priority 5, 10 available"


def test_priority_then_location_id_within_a_region() -> None:
    candidates = [
        cand("W-C", 10, priority=2),
        cand("W-B", 10, priority=1),
        cand("W-A", 10, priority=1),
    ]
    assert placed(allocate([SkuQty("A", 4)], candidates, region="east")) == [("W-A", "A", 4)]


def test_line_is_split_in_order_when_one_location_is_short() -> None:
    candidates = [
        cand("W-WEST", 50, region="west", priority=1),
        cand("W-E2", 3, priority=2),
        cand("W-E1", 2, priority=1),
    ]
    result = allocate([SkuQty("A", 10)], candidates, region="east")
    assert placed(result) == [("W-E1", "A", 2), ("W-E2", "A", 3), ("W-WEST", "A", 5)]
    assert result[2].reason == "region_priority: other region west, priority 1, 50 available"
    assert sum(a.qty for a in result) == 10


def test_each_sku_allocated_from_its_own_stock() -> None:
    candidates = [
        cand("W1", 5, sku="A"),
        cand("W1", 1, sku="B"),
        cand("W2", 5, sku="B", priority=2),
    ]
    result = allocate([SkuQty("A", 2), SkuQty("B", 3)], candidates, region="east")
    assert placed(result) == [("W1", "A", 2), ("W1", "B", 1), ("W2", "B", 2)]


def test_unshared_store_stock_is_only_for_its_own_store() -> None:
    candidates = [cand("STORE-1", 10, share=False), cand("W-WEST", 10, region="west")]
    # Another store's order: the unshared shelf is not eligible.
    assert placed(allocate([SkuQty("A", 2)], candidates, region="east")) == [("W-WEST", "A", 2)]
    # The store's own online order may take from its own shelf.
    own = allocate([SkuQty("A", 2)], candidates, region="east", home_location_id="STORE-1")
    assert placed(own) == [("STORE-1", "A", 2)]
    assert own[0].reason.endswith("ordering store's own stock")


def test_empty_and_negative_stock_are_skipped() -> None:
    candidates = [cand("W1", 0), cand("W2", -1), cand("W3", 4, priority=9)]
    assert placed(allocate([SkuQty("A", 4)], candidates, region="east")) == [("W3", "A", 4)]


def test_insufficient_reports_eligible_availability_per_sku() -> None:
    candidates = [
        cand("W1", 3, sku="A"),
        cand("W2", 2, sku="A", region="west"),
        cand("STORE-9", 100, sku="A", share=False),  # not eligible: never counted
        cand("W1", 10, sku="B"),
    ]
    with pytest.raises(InsufficientStock) as caught:
        allocate([SkuQty("A", 6), SkuQty("B", 1), SkuQty("C", 1)], candidates, region="east")
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.available == {"A": 5, "B": 10, "C": 0}
    assert "A (requested 6, available 5)" in error.message
    assert "C (requested 1, available 0)" in error.message
    assert "B (" not in error.message


@pytest.mark.parametrize("name", ["", "region_priority"])
def test_default_strategy(name: str) -> None:
    assert resolve_strategy(name) == "region_priority"


@pytest.mark.parametrize("name", ["nearest", "fewest_shipments"])
def test_every_strategy_of_the_contract_is_built(name: str) -> None:
    assert resolve_strategy(name) == name


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(InvalidArgument) as caught:
        allocate([SkuQty("A", 1)], [cand("W1", 5)], region="east", strategy="cheapest")
    assert "unknown" in caught.value.message
    assert [e.field for e in caught.value.errors] == ["strategy"]
