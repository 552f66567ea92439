"""Source-selection strategies: each ranks the eligible stock and says why.

- region_priority: same region as the destination first, then priority (lower first), then id.
- nearest: by great-circle distance from the destination; locations without coordinates
  come after those with them, and without destination coordinates it is region_priority.
- fewest_shipments: the fewest locations that together fill the whole order (one if any
  can); exact search up to EXACT_SEARCH_LIMIT locations, beyond that greedy by largest
  remaining coverage (within one location of optimal in practice, not guaranteed optimal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import NamedTuple

from chainkit.china.regions import region_or_as_is
from inventory.domain.candidates import Candidate
from inventory.domain.geo import Point, haversine_km

REGION_PRIORITY = "region_priority"
NEAREST = "nearest"
FEWEST_SHIPMENTS = "fewest_shipments"
EXACT_SEARCH_LIMIT = 12


@dataclass(frozen=True)
class Request:
    quantities: Mapping[str, int]
    region: str
    home_location_id: str
    destination: Point | None


Explain = Callable[[Candidate, Request], str]


class Ranked(NamedTuple):  # not a frozen dataclass: one per candidate per reservation
    candidate: Candidate
    request: Request
    # Written out only for the stock an allocation takes: most ranked stock is never used,
    # and formatting every reason was a tenth of Reserve's domain time.
    explain: Explain

    @property
    def reason(self) -> str:
        return self.explain(self.candidate, self.request)


Planner = Callable[[Request, Sequence[Candidate]], list[Ranked]]


def same_region(here: str, there: str) -> bool:
    """Sales regions by name (华东); an old English value (east) counts as its region."""
    return bool(there) and region_or_as_is(here) == region_or_as_is(there)


def region_key(c: Candidate, region: str) -> tuple[int, int, str]:
    return (0 if same_region(c.region, region) else 1, c.priority, c.location_id)


def _region_reason(c: Candidate, req: Request) -> str:
    where = "same region" if same_region(c.region, req.region) else "other region"
    reason = f"{where} {c.region}, priority {c.priority}, {c.available} available"
    if c.location_id == req.home_location_id:
        reason += ", ordering store's own stock"
    return reason


def _by_region(c: Candidate, req: Request) -> str:
    return f"{REGION_PRIORITY}: {_region_reason(c, req)}"


def region_priority(req: Request, eligible: Sequence[Candidate]) -> list[Ranked]:
    ordered = sorted(eligible, key=lambda c: region_key(c, req.region))
    return [Ranked(c, req, _by_region) for c in ordered]


def _nearest_without_destination(c: Candidate, req: Request) -> str:
    return f"{NEAREST}: no destination coordinates, {_region_reason(c, req)}"


def _by_distance(c: Candidate, req: Request) -> str:
    point, dest = c.point, req.destination
    if point is None or dest is None:
        return f"{NEAREST}: no coordinates for {c.location_id}, {_region_reason(c, req)}"
    km = haversine_km(point, dest)
    return f"{NEAREST}: {km:.1f} km from destination, region {c.region}, {c.available} available"


def nearest(req: Request, eligible: Sequence[Candidate]) -> list[Ranked]:
    if req.destination is None:
        return [
            Ranked(c, req, _nearest_without_destination)
            for c in sorted(eligible, key=lambda c: region_key(c, req.region))
        ]
    dest = req.destination

    def key(c: Candidate) -> tuple[int, float, tuple[int, int, str]]:
        point = c.point
        far = haversine_km(point, dest) if point else 0.0
        return (0 if point else 1, far, region_key(c, req.region))

    return [Ranked(c, req, _by_distance) for c in sorted(eligible, key=key)]


def _covers(
    stock: Mapping[str, Mapping[str, int]], chosen: Sequence[str], need: Mapping[str, int]
) -> bool:
    return all(sum(stock[loc].get(sku, 0) for loc in chosen) >= qty for sku, qty in need.items())


def fewest_locations(
    need: Mapping[str, int], stock: Mapping[str, Mapping[str, int]], preference: Sequence[str]
) -> list[str]:
    """The fewest locations (ids, in preference order) whose stock covers `need`.

    `stock` is location → sku → available; ties go to the set earliest in `preference`.
    The caller has checked that all of them together cover the need.
    """
    if len(preference) <= EXACT_SEARCH_LIMIT:
        for size in range(1, len(preference) + 1):
            for combo in combinations(preference, size):
                if _covers(stock, combo, need):
                    return list(combo)
    chosen: list[str] = []
    remaining = dict(need)
    while any(q > 0 for q in remaining.values()):
        rest = [loc for loc in preference if loc not in chosen]

        def gain(loc: str) -> int:
            return sum(min(q, stock[loc].get(sku, 0)) for sku, q in remaining.items())

        best = max(rest, key=gain)  # max keeps the first (most preferred) of equal gains
        chosen.append(best)
        for sku in remaining:
            remaining[sku] = max(0, remaining[sku] - stock[best].get(sku, 0))
    return [loc for loc in preference if loc in chosen]


def fewest_shipments(req: Request, eligible: Sequence[Candidate]) -> list[Ranked]:
    stock: dict[str, dict[str, int]] = {}
    first: dict[str, Candidate] = {}
    for c in sorted(eligible, key=lambda c: region_key(c, req.region)):
        stock.setdefault(c.location_id, {})[c.sku] = c.available
        first.setdefault(c.location_id, c)
    chosen = fewest_locations(req.quantities, stock, list(first))
    rank = {loc: i for i, loc in enumerate(chosen)}
    picked = sorted(
        (c for c in eligible if c.location_id in rank),
        key=lambda c: (rank[c.location_id], c.sku),
    )
    whole = "fills the whole order" if len(chosen) == 1 else f"1 of {len(chosen)} locations"

    def explain(c: Candidate, req: Request) -> str:
        return f"{FEWEST_SHIPMENTS}: {whole}, {_region_reason(c, req)}"

    return [Ranked(c, req, explain) for c in picked]


PLANNERS: dict[str, Planner] = {
    REGION_PRIORITY: region_priority,
    NEAREST: nearest,
    FEWEST_SHIPMENTS: fewest_shipments,
}
