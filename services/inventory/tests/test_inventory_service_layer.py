"""Use cases against an in-memory fake of our own unit-of-work port (no database).

These pin down what is hard to provoke through a real database on demand: a lost race
(a conditional update that matches no row) rolls the attempt back and the retry re-reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from copy import deepcopy
from types import TracebackType
from typing import Self

import pytest

from chainkit.errors import AlreadyExists, Retryable
from chainkit.events import OutgoingEvent
from inventory.domain.allocation import Candidate
from inventory.domain.errors import InsufficientStock
from inventory.domain.model import Location, LocationKind, Movement, Product, Sale, SkuQty
from inventory.domain.model import StockLevel as Level
from inventory.domain.reservation import Reservation, ReservationState
from inventory.service_layer import reservations, stock
from inventory.service_layer.ports import Availability
from inventory.service_layer.reservations import ReserveCommand


class Store:
    """The committed state the fake transactions read and replace."""

    def __init__(self) -> None:
        self.locations: dict[str, Location] = {}
        self.products: dict[str, Product] = {}
        self.levels: dict[tuple[str, str], Level] = {}
        self.reservations: dict[str, Reservation] = {}
        self.sales: dict[str, Sale] = {}
        self.ledger: list[Movement] = []
        self.events: list[OutgoingEvent] = []
        # Conditional updates that find their units gone, by (sku, location): `steal` as if
        # a concurrent buyer committed first and took every available unit there; `block`
        # fails the update without any visible change (a race that keeps being lost).
        self.steal: list[tuple[str, str]] = []
        self.block: list[tuple[str, str]] = []


class FakeUow:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.locations = self.products = self.stock = self.reservations = self.sales = self

    async def __aenter__(self) -> Self:
        self.tx = deepcopy(self.store.__dict__)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.tx = {}

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        yield

    def emit(self, event: OutgoingEvent) -> None:
        self.tx["events"].append(event)

    async def commit(self) -> None:
        for name in ("steal", "block"):
            self.tx.pop(name)
        self.store.__dict__.update(self.tx)

    # Repositories (one object is enough for a fake; names as in service_layer.ports).
    async def get(self, key: str) -> object | None:
        for name in ("reservations", "sales", "products", "locations"):
            if key in self.tx[name]:
                return self.tx[name][key]
        return None

    async def get_many(self, skus: Sequence[str]) -> dict[str, Product]:
        return {s: self.tx["products"][s] for s in skus if s in self.tx["products"]}

    async def levels_at(self, location_id: str, skus: Sequence[str]) -> dict[str, Level]:
        return {
            s: lv for (s, loc), lv in self.tx["levels"].items() if loc == location_id and s in skus
        }

    async def candidates(self, skus: Sequence[str], home: str) -> list[Candidate]:
        out = []
        for (sku, loc_id), lv in self.tx["levels"].items():
            loc = self.tx["locations"][loc_id]
            if sku in skus:
                out.append(
                    Candidate(loc_id, sku, loc.region, loc.priority, lv.available, loc.share_online)
                )
        return out

    async def add(self, item: Reservation | Sale, **_: str) -> None:
        if isinstance(item, Reservation):
            self.tx["reservations"][item.reservation_id] = item
        else:
            self.tx["sales"][item.sale_id] = item

    def _change(self, sku: str, loc: str, ok: bool, on_hand: int, reserved: int) -> bool:
        if (sku, loc) in self.store.steal:
            self.store.steal.remove((sku, loc))
            lv = self.store.levels[(sku, loc)]
            self.store.levels[(sku, loc)] = Level(sku, loc, lv.on_hand, lv.on_hand)
            return False
        if (sku, loc) in self.store.block:
            self.store.block.remove((sku, loc))
            return False
        lv = self.tx["levels"][(sku, loc)]
        if not ok:
            return False
        self.tx["levels"][(sku, loc)] = Level(
            sku, loc, lv.on_hand + on_hand, lv.reserved + reserved
        )
        return True

    async def availability(self, skus: Sequence[str], home: str) -> Availability:
        known = set((await self.get_many(skus)).keys())
        return Availability(known, await self.candidates(skus, home), home in self.tx["locations"])

    async def try_reserve(self, sku: str, loc: str, qty: int) -> Level | None:
        if self._change(sku, loc, self.tx["levels"][(sku, loc)].available >= qty, 0, qty):
            return self.tx["levels"][(sku, loc)]  # type: ignore[no-any-return]
        return None

    async def try_sell(self, sku: str, loc: str, qty: int) -> bool:
        return self._change(sku, loc, self.tx["levels"][(sku, loc)].available >= qty, -qty, 0)

    async def record(self, movements: Sequence[Movement]) -> None:
        self.tx["ledger"].extend(movements)

    async def levels_for(self, pairs: Sequence[tuple[str, str]]) -> list[Level]:
        return [self.tx["levels"][p] for p in pairs if p in self.tx["levels"]]


@pytest.fixture
def store() -> Store:
    s = Store()
    s.locations = {
        "A": Location("A", "A", LocationKind.WAREHOUSE, "east", "", 1, True),
        "B": Location("B", "B", LocationKind.WAREHOUSE, "east", "", 2, True),
    }
    s.products = {"TEA": Product("TEA", "Tea", "tea", 100, 10)}
    s.levels = {("TEA", "A"): Level("TEA", "A", 2, 0), ("TEA", "B"): Level("TEA", "B", 5, 0)}
    return s


def held(s: Store) -> dict[str, int]:
    return {loc: lv.reserved for (_, loc), lv in s.levels.items()}


async def test_lost_race_rolls_back_and_the_retry_reallocates(store: Store) -> None:
    store.steal = [("TEA", "A")]  # someone takes A's units between our read and update
    r = await reservations.reserve(
        lambda: FakeUow(store), ReserveCommand("R1", [SkuQty("TEA", 3)], "east")
    )
    assert [(a.location_id, a.qty) for a in r.allocations] == [("B", 3)]
    assert held(store) == {"A": 2, "B": 3}  # A: the rival's 2; B: ours
    assert len(store.events) == 1  # the failed attempt emitted nothing that survived
    assert [(m.location_id, m.reserved_delta) for m in store.ledger] == [("B", 3)]


async def test_retries_are_bounded(store: Store) -> None:
    store.block = [("TEA", "A")] * 50
    with pytest.raises(Retryable):
        await reservations.reserve(lambda: FakeUow(store), ReserveCommand("R1", [SkuQty("TEA", 1)]))
    assert held(store) == {"A": 0, "B": 0}
    assert store.reservations == {}


async def test_insufficient_after_recompute_holds_nothing(store: Store) -> None:
    with pytest.raises(InsufficientStock) as caught:
        await reservations.reserve(lambda: FakeUow(store), ReserveCommand("R1", [SkuQty("TEA", 8)]))
    assert caught.value.available == {"TEA": 7}
    assert held(store) == {"A": 0, "B": 0} and store.events == []


async def test_reserve_replay_and_conflicting_reuse(store: Store) -> None:
    uows = lambda: FakeUow(store)  # noqa: E731
    first = await reservations.reserve(uows, ReserveCommand("R1", [SkuQty("TEA", 1)]))
    assert await reservations.reserve(uows, ReserveCommand("R1", [SkuQty("TEA", 1)])) == first
    assert first.state is ReservationState.HELD and len(store.events) == 1
    with pytest.raises(AlreadyExists):
        await reservations.reserve(uows, ReserveCommand("R1", [SkuQty("TEA", 2)]))


async def test_sale_replay_returns_the_original_and_sells_once(store: Store) -> None:
    uows = lambda: FakeUow(store)  # noqa: E731
    lines = [SkuQty("TEA", 2)]
    first = await stock.sell_at_location(uows, sale_id="S1", location_id="B", lines=lines)
    again = await stock.sell_at_location(uows, sale_id="S1", location_id="B", lines=lines)
    assert first == again
    assert store.levels[("TEA", "B")].on_hand == 3
    with pytest.raises(AlreadyExists):
        await stock.sell_at_location(uows, sale_id="S1", location_id="A", lines=lines)
