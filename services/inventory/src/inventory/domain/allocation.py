"""Allocation: which locations a reservation takes its units from. A pure function.

Strategy "region_priority" (the default): eligible locations ordered by same region as the
destination first, then by priority (lower first), then by location id; each line takes
what it can from the first location and the rest from the next, so a line may be split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from chainkit.errors import FieldError, InvalidArgument
from inventory.domain.errors import InsufficientStock
from inventory.domain.model import SkuQty, totals

REGION_PRIORITY = "region_priority"
# Part of the public contract (api.md) but not built yet: refused, never faked.
PLANNED_STRATEGIES = frozenset({"nearest", "fewest_shipments"})


@dataclass(frozen=True)
class Candidate:
    """Stock of one SKU at one location, as seen when allocating."""

    location_id: str
    sku: str
    region: str
    priority: int
    available: int
    share_online: bool


@dataclass(frozen=True)
class Allocation:
    location_id: str
    sku: str
    qty: int
    reason: str


SortKey = tuple[int, int, str]
Ordering = Callable[[Candidate, str], SortKey]


def _region_priority(candidate: Candidate, region: str) -> SortKey:
    same = 0 if region and candidate.region == region else 1
    return (same, candidate.priority, candidate.location_id)


STRATEGIES: dict[str, Ordering] = {REGION_PRIORITY: _region_priority}


def resolve_strategy(name: str) -> str:
    """The strategy to use ("" means the default); unknown or unbuilt ones are refused."""
    chosen = name or REGION_PRIORITY
    if chosen in STRATEGIES:
        return chosen
    if chosen in PLANNED_STRATEGIES:
        message = f"allocation strategy {chosen!r} is not supported yet; use {REGION_PRIORITY!r}"
    else:
        known = sorted([*STRATEGIES, *PLANNED_STRATEGIES])
        message = f"unknown allocation strategy {chosen!r}; known: {', '.join(known)}"
    raise InvalidArgument(message, [FieldError("strategy", message)])


def is_eligible(candidate: Candidate, home_location_id: str) -> bool:
    """Shared stock, or the ordering store's own stock."""
    return candidate.share_online or (
        bool(home_location_id) and candidate.location_id == home_location_id
    )


def _reason(candidate: Candidate, region: str, home_location_id: str) -> str:
    where = "same region" if region and candidate.region == region else "other region"
    reason = (
        f"{where} {candidate.region}, priority {candidate.priority}, "
        f"{candidate.available} available"
    )
    if candidate.location_id == home_location_id:
        reason += ", ordering store's own stock"
    return reason


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
) -> list[Allocation]:
    """Allocate every line or raise InsufficientStock (nothing partial is returned)."""
    ordering = STRATEGIES[resolve_strategy(strategy)]
    requested = totals(lines)
    eligible = [
        c
        for c in candidates
        if c.sku in requested and c.available > 0 and is_eligible(c, home_location_id)
    ]
    available = available_per_sku(requested, eligible, home_location_id)
    if any(available[sku] < qty for sku, qty in requested.items()):
        raise InsufficientStock(available, requested)
    eligible.sort(key=lambda c: ordering(c, region))
    allocations: list[Allocation] = []
    for sku, qty in requested.items():
        remaining = qty
        for c in eligible:
            if remaining == 0:
                break
            if c.sku != sku:
                continue
            take = min(remaining, c.available)
            allocations.append(
                Allocation(c.location_id, sku, take, _reason(c, region, home_location_id))
            )
            remaining -= take
    return allocations
