"""Property: allocations never exceed what a location has, never use an ineligible one,
and add up to the request exactly when enough eligible stock exists."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.allocation import Candidate, allocate, is_eligible
from inventory.domain.errors import InsufficientStock
from inventory.domain.geo import Point
from inventory.domain.model import SkuQty

STRATEGIES = ["region_priority", "nearest", "fewest_shipments"]

SKUS = ["A", "B", "C"]

candidate_lists = st.lists(
    st.builds(
        Candidate,
        location_id=st.sampled_from([f"L{i}" for i in range(6)]),
        sku=st.sampled_from(SKUS),
        region=st.sampled_from(["east", "west", "north"]),
        priority=st.integers(0, 3),
        available=st.integers(-2, 20),
        share_online=st.booleans(),
        lat=st.none() | st.floats(-60, 60),
        lon=st.none() | st.floats(-170, 170),
    ),
    max_size=14,
    # One stock row per (location, SKU), as in the database.
    unique_by=lambda c: (c.location_id, c.sku),
)
requests = st.dictionaries(st.sampled_from(SKUS), st.integers(1, 40), min_size=1)


@settings(max_examples=300, deadline=None)
@given(
    candidates=candidate_lists,
    wanted=requests,
    region=st.sampled_from(["east", "west", ""]),
    home=st.sampled_from(["", "L0", "L5"]),
    strategy=st.sampled_from(STRATEGIES),
    destination=st.none() | st.builds(Point, st.floats(-60, 60), st.floats(-170, 170)),
)
def test_allocation_respects_availability(
    candidates: list[Candidate],
    wanted: dict[str, int],
    region: str,
    home: str,
    strategy: str,
    destination: Point | None,
) -> None:
    how = {"strategy": strategy, "destination": destination}
    lines = [SkuQty(sku, qty) for sku, qty in wanted.items()]
    by_key = {(c.location_id, c.sku): c for c in candidates}
    eligible_total = {
        sku: sum(
            c.available
            for c in candidates
            if c.sku == sku and c.available > 0 and is_eligible(c, home)
        )
        for sku in wanted
    }
    if any(eligible_total[sku] < qty for sku, qty in wanted.items()):
        with pytest.raises(InsufficientStock) as caught:
            allocate(lines, candidates, region=region, home_location_id=home, **how)
        assert caught.value.available == eligible_total
        return
    result = allocate(lines, candidates, region=region, home_location_id=home, **how)
    for a in result:
        source = by_key[(a.location_id, a.sku)]
        assert 0 < a.qty <= source.available
        assert is_eligible(source, home)
    placed: dict[str, int] = {}
    for a in result:
        placed[a.sku] = placed.get(a.sku, 0) + a.qty
    assert placed == wanted
    assert len({(a.location_id, a.sku) for a in result}) == len(result)

    assert all(a.reason.startswith(strategy + ":") for a in result)


@settings(max_examples=300, deadline=None)
@given(candidates=candidate_lists, wanted=requests, home=st.sampled_from(["", "L0"]))
def test_fewest_shipments_uses_the_fewest_locations_possible(
    candidates: list[Candidate], wanted: dict[str, int], home: str
) -> None:
    lines = [SkuQty(sku, qty) for sku, qty in wanted.items()]
    usable = [c for c in candidates if c.available > 0 and is_eligible(c, home)]
    locations = sorted({c.location_id for c in usable})

    def covers(chosen: tuple[str, ...]) -> bool:
        return all(
            sum(c.available for c in usable if c.sku == sku and c.location_id in chosen) >= qty
            for sku, qty in wanted.items()
        )

    sizes = [
        n for n in range(1, len(locations) + 1) if any(map(covers, combinations(locations, n)))
    ]
    if not sizes:
        return
    result = allocate(
        lines, candidates, region="east", home_location_id=home, strategy="fewest_shipments"
    )
    assert len({a.location_id for a in result}) == sizes[0]
