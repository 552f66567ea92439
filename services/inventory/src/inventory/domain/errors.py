"""Inventory's own domain errors (on top of chainkit's generic kinds)."""

from __future__ import annotations

from collections.abc import Mapping

from chainkit.errors import Conflict, NotFound


class InsufficientStock(Conflict):
    """Not enough eligible stock: carries what could be had, per requested SKU.

    `available` is the total over the locations the request may draw from, so a client
    can offer "only 3 left" without knowing where they are.
    """

    def __init__(self, available: Mapping[str, int], requested: Mapping[str, int]) -> None:
        short = [
            f"{sku} (requested {qty}, available {available.get(sku, 0)})"
            for sku, qty in requested.items()
            if available.get(sku, 0) < qty
        ]
        super().__init__("insufficient stock: " + ", ".join(short), details=dict(available))
        self.available: dict[str, int] = dict(available)
        self.requested: dict[str, int] = dict(requested)


class UnknownProducts(NotFound):
    """SKUs asked for by a look-up that are not in the item master."""

    def __init__(self, skus: list[str]) -> None:
        super().__init__(f"unknown SKU: {', '.join(skus)}", details=list(skus))
        self.skus = list(skus)


class ReservationExpired(Conflict):
    """A commit after the hold's deadline: refused, nothing changes (the units go back)."""

    def __init__(self, reservation_id: str) -> None:
        super().__init__("reservation expired", details=reservation_id)
        self.reservation_id = reservation_id
