"""Allocation: which locations a reservation takes its units from. A pure function.

The strategy (domain/strategies.py) ranks the eligible stock; each line then takes what it
can from the first ranked location holding its SKU and the rest from the next, so a line
may be split. Every allocation carries the strategy's reason (rule, region or distance,
stock seen) for people to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainkit.errors import FieldError, InvalidArgument
from inventory.domain.candidates import Allocation, Candidate, is_eligible
from inventory.domain.errors import InsufficientStock
from inventory.domain.geo import Point
from inventory.domain.model import SkuQty, totals
from inventory.domain.strategies import PLANNERS, REGION_PRIORITY, Request

__all__ = [
    "REGION_PRIORITY",
    "Allocation",
    "Candidate",
    "allocate",
    "available_per_sku",
    "is_eligible",
    "resolve_strategy",
]


def resolve_strategy(name: str) -> str:
    """The strategy to use ("" means the default); unknown ones are refused."""
    chosen = name or REGION_PRIORITY
    if chosen in PLANNERS:
        return chosen
    message = f"unknown allocation strategy {chosen!r}; known: {', '.join(sorted(PLANNERS))}"
    raise InvalidArgument(message, [FieldError("strategy", message)])


def available_per_sku(
    skus: Iterable[str], candidates: Iterable[Candidate], home_location_id: str
) -> dict[str, int]:
    """Total eligible availability per SKU (0 for a SKU with no stock anywhere)."""
    out = dict.fromkeys(skus, 0)
    for c in candidates:
        if c.sku in out and c.available > 0 and is_eligible(c, home_location_id):
            out[c.sku] += c.available
    return out


def allocate(
    lines: Sequence[SkuQty],
    candidates: Iterable[Candidate],
    *,
    region: str,
    home_location_id: str = "",
    strategy: str = "",
    destination: Point | None = None,
) -> list[Allocation]:
    """Allocate every line or raise InsufficientStock (nothing partial is returned)."""
    planner = PLANNERS[resolve_strategy(strategy)]
    requested = totals(lines)
    eligible: list[Candidate] = []
    available = dict.fromkeys(requested, 0)
    for c in candidates:
        if c.sku in requested and c.available > 0 and is_eligible(c, home_location_id):
            eligible.append(c)
            available[c.sku] += c.available
    if any(available[sku] < qty for sku, qty in requested.items()):
        raise InsufficientStock(available, requested)
    ranked = planner(Request(requested, region, home_location_id, destination), eligible)
    allocations: list[Allocation] = []
    for sku, qty in requested.items():
        remaining = qty
        for r in ranked:
            if remaining == 0:
                break
            if r.candidate.sku != sku:
                continue
            take = min(remaining, r.candidate.available)
            allocations.append(Allocation(r.candidate.location_id, sku, take, r.reason))
            remaining -= take
    return allocations
