"""Who may see which feed event: the same rules as the REST API, applied per event."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from chainkit.errors import PermissionDenied
from gateway.feed.model import FEED_TYPES, KIND_ORDER, KIND_STOCK, FeedEvent


@dataclass(frozen=True, slots=True)
class FeedScope:
    """hq sees everything; store staff their store's orders and parcels and their stock
    location's alerts; a customer only their own orders and parcels."""

    role: str
    store_id: str | None = None  # staff: their store; hq: an optional filter
    location_id: str | None = None  # the stock location of `store_id`
    customer_id: str | None = None
    types: frozenset[str] | None = None  # None: every type

    def allows(self, event: FeedEvent) -> bool:
        if self.types is not None and event.type not in self.types:
            return False
        if self.role == "customer":
            return (
                event.kind == KIND_ORDER
                and bool(self.customer_id)
                and (event.customer_id == self.customer_id)
            )
        if self.store_id is None:  # hq without a store filter
            return self.role == "hq"
        if event.kind == KIND_ORDER:
            return event.store_id == self.store_id
        if event.kind == KIND_STOCK:
            return self.location_id is not None and event.location_id == self.location_id
        return False  # chain-wide (KIND_CHAIN): never a store's


def parse_types(spec: str | None) -> frozenset[str] | None:
    """`order.*,stock.low` → the matching feed types. Raises ValueError naming a pattern
    that matches no type, so a typo is an error rather than a silent empty feed."""
    if spec is None or not spec.strip():
        return None
    chosen: set[str] = set()
    for raw in spec.split(","):
        pattern = raw.strip()
        if not pattern:
            continue
        matched = fnmatch.filter(FEED_TYPES, pattern)
        if not matched:
            raise ValueError(f"{pattern!r} matches no event type")
        chosen.update(matched)
    return frozenset(chosen) if chosen else None


def scope_for(
    role: str,
    *,
    own_store: str | None,
    own_customer: str | None,
    store_filter: str | None,
    types: frozenset[str] | None,
) -> FeedScope:
    """The caller's scope; its `location_id` is filled in by whoever can look the store up.
    A customer has no store filter; store staff may name only their own store."""
    if role == "customer":
        if store_filter is not None:
            raise PermissionDenied("a customer's feed has no store filter")
        return FeedScope("customer", customer_id=own_customer or "", types=types)
    if role == "store":
        if store_filter is not None and store_filter != own_store:
            raise PermissionDenied("store staff follow their own store only")
        store_filter = own_store or ""
    return FeedScope(role, store_id=store_filter, types=types)
