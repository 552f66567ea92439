"""Use cases against an in-memory fake of our own unit-of-work port (no database).

These pin down what is hard to provoke through a real database on demand: a lost race
(a conditional update that matches no row) rolls the attempt back and the retry re-reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from types import TracebackType
from typing import Any, Self

import pytest

from chainkit import events
from chainkit.errors import AlreadyExists, InvalidArgument, Retryable
from chainkit.events import OutgoingEvent
from chainkit.logging import correlation_id
from chainstore.inventory.v1.events_pb2 import StockReserved
from inventory.adapters.event_codec import encode
from inventory.domain.allocation import Candidate
from inventory.domain.errors import InsufficientStock
from inventory.domain.events import Event
from inventory.domain.model import Location, LocationKind, Movement, Product, Sale, SkuQty
from inventory.domain.model import StockLevel as Level
from inventory.domain.reservation import Reservation, ReservationState
from inventory.service_layer import reserving, stock
from inventory.service_layer.commands import ReserveCommand
from inventory.service_layer.deps import Deps
from inventory.service_layer.ports import Availability, NewReservation


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

    def publish(self, events: Iterable[Event]) -> None:
        self.tx["events"].extend(encode(events))  # as the outbox would store them

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

    async def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        return {
            k: self.tx[n][k] for n in ("reservations", "products") for k in keys if k in self.tx[n]
        }

    async def levels_at(self, location_id: str, skus: Sequence[str]) -> dict[str, Level]:
        return {
            s: lv for (s, loc), lv in self.tx["levels"].items() if loc == location_id and s in skus
        }

    async def candidates(self, skus: Sequence[str]) -> list[Candidate]:
        out = []
        for (sku, loc_id), lv in self.tx["levels"].items():
            loc = self.tx["locations"][loc_id]
            if sku in skus:
                out.append(
                    Candidate(loc_id, sku, loc.region, loc.priority, lv.available, loc.share_online)
                )
        return out

    async def add(self, sale: Sale) -> None:
        self.tx["sales"][sale.sale_id] = sale

    async def add_all(self, new: Sequence[NewReservation]) -> None:
        for x in new:
            if x.reservation.reservation_id in self.tx["reservations"]:
                raise Retryable("taken")  # the primary key, as in SQL
            self.tx["reservations"][x.reservation.reservation_id] = x.reservation

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

    async def read_for_reserve(
        self, skus: Sequence[str], homes: Sequence[str], look_up: Sequence[str]
    ) -> Availability:
        known = set((await self.get_many(skus)).keys())
        existing = {k: self.tx["reservations"][k] for k in look_up if k in self.tx["reservations"]}
        return Availability(
            known, await self.candidates(skus), set(homes) & set(self.tx["locations"]), existing
        )

    async def try_reserve_all(
        self, units: Mapping[tuple[str, str], int], movements: Sequence[Movement] = ()
    ) -> list[Level] | None:
        await self.record(movements)
        for (sku, loc), qty in sorted(units.items()):
            if not self._change(sku, loc, self.tx["levels"][(sku, loc)].available >= qty, 0, qty):
                return None
        return [self.tx["levels"][p] for p in sorted(units)]

    async def hold(
        self,
        new: Sequence[NewReservation],
        movements: Sequence[Movement],
        events: Sequence[Event],
    ) -> list[Level] | None:
        await self.add_all(new)
        units: dict[tuple[str, str], int] = {}
        for a in (a for x in new for a in x.reservation.allocations):
            units[(a.sku, a.location_id)] = units.get((a.sku, a.location_id), 0) + a.qty
        levels = await self.try_reserve_all(units, movements)
        if levels is not None:
            self.publish(events)
        return levels

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


def on(s: Store) -> Deps:
    """Use cases wired to the fake: a fresh transaction on `s` for each unit of work."""
    return Deps(lambda: FakeUow(s))


def held(s: Store) -> dict[str, int]:
    return {loc: lv.reserved for (_, loc), lv in s.levels.items()}


async def test_lost_race_rolls_back_and_the_retry_reallocates(store: Store) -> None:
    store.steal = [("TEA", "A")]  # someone takes A's units between our read and update
    r = await reserving.reserve(on(store), ReserveCommand("R1", [SkuQty("TEA", 3)], "east"))
    assert [(a.location_id, a.qty) for a in r.allocations] == [("B", 3)]
    assert held(store) == {"A": 2, "B": 3}  # A: the rival's 2; B: ours
    assert len(store.events) == 1  # the failed attempt emitted nothing that survived
    assert [(m.location_id, m.reserved_delta) for m in store.ledger] == [("B", 3)]


async def test_retries_are_bounded(store: Store) -> None:
    store.block = [("TEA", "A")] * 50
    with pytest.raises(Retryable):
        await reserving.reserve(on(store), ReserveCommand("R1", [SkuQty("TEA", 1)]))
    assert held(store) == {"A": 0, "B": 0}
    assert store.reservations == {}


async def test_insufficient_after_recompute_holds_nothing(store: Store) -> None:
    with pytest.raises(InsufficientStock) as caught:
        await reserving.reserve(on(store), ReserveCommand("R1", [SkuQty("TEA", 8)]))
    assert caught.value.available == {"TEA": 7}
    assert held(store) == {"A": 0, "B": 0} and store.events == []


async def test_reserve_replay_and_conflicting_reuse(store: Store) -> None:
    deps = on(store)
    first = await reserving.reserve(deps, ReserveCommand("R1", [SkuQty("TEA", 1)]))
    assert await reserving.reserve(deps, ReserveCommand("R1", [SkuQty("TEA", 1)])) == first
    assert first.state is ReservationState.HELD and len(store.events) == 1
    with pytest.raises(AlreadyExists):
        await reserving.reserve(deps, ReserveCommand("R1", [SkuQty("TEA", 2)]))


async def test_sale_replay_returns_the_original_and_sells_once(store: Store) -> None:
    deps = on(store)
    lines = [SkuQty("TEA", 2)]
    first = await stock.sell_at_location(deps, sale_id="S1", location_id="B", lines=lines)
    again = await stock.sell_at_location(deps, sale_id="S1", location_id="B", lines=lines)
    assert first == again
    assert store.levels[("TEA", "B")].on_hand == 3
    with pytest.raises(AlreadyExists):
        await stock.sell_at_location(deps, sale_id="S1", location_id="A", lines=lines)


# Batches (reserve_many): what the Reserve RPC runs for calls that arrive together.


def reserved_by(outcome: object) -> list[tuple[str, int]]:
    assert isinstance(outcome, Reservation), outcome
    return [(a.location_id, a.qty) for a in outcome.allocations]


async def test_a_batch_allocates_each_in_turn_against_what_the_earlier_ones_took(
    store: Store,
) -> None:
    cmds = [
        ReserveCommand(f"R{n}", [SkuQty("TEA", q)], "east") for n, q in [(1, 6), (2, 1), (3, 1)]
    ]
    first, second, third = await reserving.reserve_many(on(store), cmds)
    assert reserved_by(first) == [("A", 2), ("B", 4)]
    assert reserved_by(second) == [("B", 1)]
    assert isinstance(third, InsufficientStock) and third.available == {"TEA": 0}
    assert held(store) == {"A": 2, "B": 5}
    assert sorted(store.reservations) == ["R1", "R2"] and len(store.events) == 2


async def test_refusals_in_a_batch_leave_the_others_whole(store: Store) -> None:
    cmds = [
        ReserveCommand("R1", [SkuQty("TEA", 0)]),  # invalid quantity
        ReserveCommand("R2", [SkuQty("NOPE", 1)]),  # unknown SKU
        ReserveCommand("R3", [SkuQty("TEA", 1)], home_location_id="GONE"),  # unknown home
        ReserveCommand("R4", [SkuQty("TEA", 1)]),
    ]
    bad_qty, unknown, no_home, ok = await reserving.reserve_many(on(store), cmds)
    assert isinstance(bad_qty, InvalidArgument)
    assert isinstance(unknown, InvalidArgument) and "unknown SKU 'NOPE'" in str(unknown)
    assert isinstance(no_home, InvalidArgument) and "unknown location 'GONE'" in str(no_home)
    assert reserved_by(ok) == [("A", 1)]
    assert list(store.reservations) == ["R4"] and held(store) == {"A": 1, "B": 0}


async def test_an_id_repeated_in_one_batch_is_reserved_once_and_replayed(store: Store) -> None:
    cmds = [
        ReserveCommand("R1", [SkuQty("TEA", 1)]),
        ReserveCommand("R1", [SkuQty("TEA", 1)]),
        ReserveCommand("R1", [SkuQty("TEA", 2)]),
    ]
    first, again, other = await reserving.reserve_many(on(store), cmds)
    assert first == again
    assert isinstance(other, AlreadyExists)
    assert held(store) == {"A": 1, "B": 0} and len(store.events) == 1


async def test_a_batch_that_keeps_losing_races_goes_on_one_at_a_time(store: Store) -> None:
    # Two lost races take the batch's two attempts; each reservation then runs alone.
    store.block = [("TEA", "A")] * reserving.BATCH_ATTEMPTS
    cmds = [ReserveCommand(f"R{n}", [SkuQty("TEA", 1)]) for n in range(3)]
    outcomes = await reserving.reserve_many(on(store), cmds)
    assert [reserved_by(x) for x in outcomes] == [[("A", 1)]] * 2 + [[("B", 1)]]
    assert held(store) == {"A": 2, "B": 1}
    assert len(store.ledger) == 3 and len(store.events) == 3  # no trace of the lost attempts


async def test_concurrent_reserve_calls_share_transactions(store: Store) -> None:
    opened = 0

    def uows() -> FakeUow:
        nonlocal opened
        opened += 1
        return FakeUow(store)

    reserve = reserving.Reserver(Deps(uows))
    cmds = [ReserveCommand(f"R{n}", [SkuQty("TEA", 1)]) for n in range(7)]
    done = await asyncio.gather(*(reserve(cmd) for cmd in cmds))
    assert [r.reservation_id for r in done] == [f"R{n}" for n in range(7)]
    assert opened == 1  # all seven queued before the first batch began: one transaction
    assert held(store) == {"A": 2, "B": 5} and len(store.events) == 7


async def test_each_reservation_in_a_batch_carries_its_own_callers_correlation_id(
    store: Store,
) -> None:
    # The batch runs in a task started by the first caller: its correlation id must not
    # become everyone's.
    reserve = reserving.Reserver(on(store))

    async def call_as(cid: str, rid: str) -> Reservation:
        correlation_id.set(cid)
        return await reserve(ReserveCommand(rid, [SkuQty("TEA", 1)]))

    await asyncio.gather(*(call_as(f"cid-{n}", f"R{n}") for n in range(4)))
    seen = {}
    for event in store.events:
        env = events.parse(event.data)
        seen[events.unpack(env, StockReserved).reservation_id] = env.correlation_id
    assert seen == {f"R{n}": f"cid-{n}" for n in range(4)}
