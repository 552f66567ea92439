"""Availability read once for a batch of reservations. Pure Python.

Reservations decided together are allocated one after another against this snapshot: each
takes its units from it, so the next sees only what is left, exactly as if they had run
one at a time. The database still has the last word (a conditional UPDATE per level).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from inventory.domain.candidates import Allocation, Candidate


class StockSnapshot:
    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self._by_sku: dict[str, list[Candidate]] = {}
        for c in candidates:
            self._by_sku.setdefault(c.sku, []).append(c)

    def candidates(self, skus: Collection[str]) -> list[Candidate]:
        """The stock of these SKUs that is still untaken, in the order it was read."""
        return [c for sku in skus for c in self._by_sku.get(sku, ()) if c.available > 0]

    def take(self, allocations: Iterable[Allocation]) -> None:
        for a in allocations:
            row = self._by_sku[a.sku]
            for i, c in enumerate(row):
                if c.location_id == a.location_id:
                    if a.qty > c.available:
                        raise ValueError(f"{a.sku}@{a.location_id}: took more than was seen")
                    # Positional: dataclasses.replace introspects the fields on every call.
                    row[i] = Candidate(
                        c.location_id,
                        c.sku,
                        c.region,
                        c.priority,
                        c.available - a.qty,
                        c.share_online,
                        c.lat,
                        c.lon,
                    )
                    break
            else:
                raise ValueError(f"{a.sku}@{a.location_id}: not in the snapshot")
