"""Low-stock alerts and replenishment suggestions. Pure rules.

A level is low when a threshold is set (> 0) and available units are at or below it. The
alert flag on the level row turns the condition into edges: `inventory.low_stock` once when
it becomes low, `inventory.low_stock_cleared` once when it is restocked above again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.geo import Point, haversine_km
from inventory.domain.model import Location, StockLevel
from inventory.domain.strategies import same_region


class Crossing(StrEnum):
    FELL = "fell"
    CLEARED = "cleared"


def is_low(level: StockLevel) -> bool:
    return level.low_stock_threshold > 0 and level.available <= level.low_stock_threshold


def crossing(level: StockLevel) -> Crossing | None:
    """The edge this level has just crossed, judged against its stored flag."""
    low = is_low(level)
    if low and not level.low_stock:
        return Crossing.FELL
    if not low and level.low_stock:
        return Crossing.CLEARED
    return None


@dataclass(frozen=True)
class Suggestion:
    from_location_id: str
    qty: int
    reason: str


def _point(loc: Location) -> Point | None:
    return Point(loc.lat, loc.lon) if loc.lat is not None and loc.lon is not None else None


def suggest_replenishment(
    low: StockLevel, here: Location, others: Iterable[tuple[StockLevel, Location]]
) -> Suggestion | None:
    """The nearest location whose available stock is above its own threshold.

    Nearest by coordinates when both ends have them; otherwise same region first, then
    priority. The quantity brings the low level up to twice its threshold, capped by the
    source's surplus (what it has above its own threshold).
    """
    want = max(1, 2 * low.low_stock_threshold - low.available)
    origin = _point(here)
    best: tuple[tuple[int, float, int, int, str], Suggestion] | None = None
    for level, loc in others:
        surplus = level.available - level.low_stock_threshold
        if level.sku != low.sku or loc.location_id == here.location_id or surplus <= 0:
            continue
        there = _point(loc)
        if origin and there:
            km = haversine_km(origin, there)
            key = (0, km, 0, loc.priority, loc.location_id)
            where = f"{km:.1f} km away"
        else:
            same = 0 if same_region(loc.region, here.region) else 1
            key = (1, 0.0, same, loc.priority, loc.location_id)
            where = f"{'same' if same == 0 else 'other'} region {loc.region}"
        qty = min(surplus, want)
        why = f"nearest with surplus: {where}, {surplus} above its threshold"
        if best is None or key < best[0]:
            best = (key, Suggestion(loc.location_id, qty, why))
    return best[1] if best else None
