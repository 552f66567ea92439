"""What allocation works on: stock of one SKU at one location, and the units it takes."""

from __future__ import annotations

from typing import NamedTuple

from inventory.domain.geo import Point


# Named tuples, not frozen dataclasses: allocation builds several per reservation and a
# frozen dataclass costs several times as much to construct (Reserve's hottest objects).
class Candidate(NamedTuple):
    """Stock of one SKU at one location, as seen when allocating."""

    location_id: str
    sku: str
    region: str
    priority: int
    available: int
    share_online: bool
    lat: float | None = None
    lon: float | None = None

    @property
    def point(self) -> Point | None:
        if self.lat is None or self.lon is None:
            return None
        return Point(self.lat, self.lon)


class Allocation(NamedTuple):
    location_id: str
    sku: str
    qty: int
    reason: str


def is_eligible(candidate: Candidate, home_location_id: str) -> bool:
    """Shared stock, or the ordering store's own stock.

    A franchise store's shelf does not share online by default, so its units go only to
    that store's own orders (it is their `home_location_id`) unless the store opts in.
    """
    return candidate.share_online or (
        bool(home_location_id) and candidate.location_id == home_location_id
    )
