"""Property: allocations never exceed what a location has, never use an ineligible one,
and add up to the request exactly when enough eligible stock exists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.allocation import Candidate, allocate, is_eligible
from inventory.domain.errors import InsufficientStock
from inventory.domain.model import SkuQty

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
)
def test_allocation_respects_availability(
    candidates: list[Candidate], wanted: dict[str, int], region: str, home: str
) -> None:
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
            allocate(lines, candidates, region=region, home_location_id=home)
        assert caught.value.available == eligible_total
        return
    result = allocate(lines, candidates, region=region, home_location_id=home)
    for a in result:
        source = by_key[(a.location_id, a.sku)]
        assert 0 < a.qty <= source.available
        assert is_eligible(source, home)
    placed: dict[str, int] = {}
    for a in result:
        placed[a.sku] = placed.get(a.sku, 0) + a.qty
    assert placed == wanted
    assert len({(a.location_id, a.sku) for a in result}) == len(result)
