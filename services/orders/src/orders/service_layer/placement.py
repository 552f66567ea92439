"""Order placement's fast path: what concurrent CreateOrders share, in one place.

A placement pays fixed costs that do not grow with the order: a transaction (BEGIN, COMMIT
and its fsync, SQLite's write lock), a statement per table, a session. At a flash sale
thousands of buyers place at once, so calls that arrive together share them
(chainkit.batching):

- stores: kept for `store_ttl_s` seconds (ORDERS_MASTER_DATA_TTL_S, 2 s by default), so a
  changed setting (payment timeout, allocation strategy) applies to new orders within that
  bound on every replica, at once on the replica that changed it; a store not kept is read
  with the other callers' in one read-only unit of work (on SQLite, not behind the writer);
- products: kept as long by the inventory client, and a miss shares one BatchGetProducts
  call with the other callers' (the adapter; a changed price applies within the bound);
- recording: one transaction for a batch's new orders: each (store, day)'s order numbers
  taken with one UPDATE, then one INSERT per table, the events into the outbox and the
  answers remembered (group commit);
- stored answers are not read first: a retry with the same Idempotency-Key holds the same
  units again harmlessly (inventory replays a reservation or sale by its id, which the key
  derives), its recording meets the key taken, and it answers the stored response.

Nothing changes for a caller: each order is still all or nothing, numbered in commit order
per store and day, its events written with it. A batch that fails as a whole (a concurrent
twin with the same key committed first, say) is split and each order recorded alone, so
one order's failure never fails its neighbours; two calls with the same key never share a
batch (the second waits for the next, where it replays the first's answer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chainkit.batching import Batcher, first_of_each
from chainkit.fresh import FreshFor
from orders.domain.business_day import business_day
from orders.domain.lines import OrderLine
from orders.domain.numbering import order_number
from orders.domain.order import Allocation, Channel, Order
from orders.domain.store import Store
from orders.service_layer.commands import CreateOrder
from orders.service_layer.deps import Deps
from orders.service_layer.idempotency import Idempotency
from orders.service_layer.ports import UnitOfWork

Outcome = Order | BaseException


@dataclass(frozen=True)
class NewOrder:
    """An order whose units are held (or sold at the till): ready to record."""

    idem: Idempotency
    cmd: CreateOrder
    store: Store
    order_id: str
    lines: list[OrderLine]
    allocations: list[Allocation]
    now: datetime


class Placements:
    """The batchers and kept stores of one application (one per process; see the module
    docstring)."""

    def __init__(self, *, store_ttl_s: float = 0.0, max_batch: int = 128) -> None:
        self.stores: FreshFor[str, Store] = FreshFor(store_ttl_s)
        self.store_reads: Batcher[tuple[Deps, str], Store | None] = Batcher(
            _read_stores, max_batch=max_batch
        )
        self.records: Batcher[tuple[Deps, NewOrder], Order] = Batcher(
            _record_many, max_batch=max_batch
        )


async def store_for(deps: Deps, store_id: str) -> Store | None:
    kept = deps.placements.stores.get(store_id)
    if kept is not None:
        return kept
    return await deps.placements.store_reads.submit((deps, store_id))


async def record(deps: Deps, new: NewOrder) -> Order:
    """Store the order with its events and answer; AlreadyExists when a concurrent twin
    committed first."""
    return await deps.placements.records.submit((deps, new))


async def _read_stores(items: Sequence[tuple[Deps, str]]) -> list[Store | None]:
    deps = items[0][0]
    async with deps.reader() as uow:
        stores = await uow.stores.get_many(sorted({store_id for _, store_id in items}))
    for store in stores.values():
        deps.placements.stores.put(store.store_id, store)
    return [stores.get(store_id) for _, store_id in items]


async def _record_many(items: Sequence[tuple[Deps, NewOrder]]) -> list[Outcome]:
    deps = items[0][0]
    news = [new for _, new in items]
    outcomes: dict[int, Outcome] = {}
    pending = list(enumerate(news))
    while pending:  # a key once per transaction: a repeat waits for the next round
        now, pending = first_of_each(pending, lambda item: item[1].idem.key)
        outcomes.update(await _settle(deps, now))
    return [outcomes[i] for i in range(len(news))]


async def _settle(deps: Deps, batch: list[tuple[int, NewOrder]]) -> dict[int, Outcome]:
    try:
        answers = await _record_together(deps, [new for _, new in batch])
        return {i: answer for (i, _), answer in zip(batch, answers, strict=True)}
    except Exception as e:
        if len(batch) == 1:
            return {batch[0][0]: e}
    out: dict[int, Outcome] = {}
    for item in batch:  # split: each order on its own, so one failure stays its own
        out.update(await _settle(deps, [item]))
    return out


async def _record_together(deps: Deps, news: list[NewOrder]) -> list[Order]:
    """All of them or none. A key or order id taken already (a retry whose first call was
    recorded, a concurrent twin) fails the batch with AlreadyExists: split, the order alone
    fails the same way, and its caller answers the stored response (create_order)."""
    zones = [new.store.zone(deps.business_tz) for new in news]
    async with deps.uow() as uow:
        numbers = await _take_numbers(uow, news, zones)
        orders = [
            _order(new, number, zone.key)
            for new, number, zone in zip(news, numbers, zones, strict=True)
        ]
        await uow.orders.add_many(orders)
        remembered = {}
        for new, order in zip(news, orders, strict=True):
            uow.publish(order)
            if new.idem.key:
                remembered[new.idem.key] = (new.idem.request_hash, order)
        await uow.idempotency.add_many(remembered)
        await uow.commit()
    return orders


async def _take_numbers(uow: UnitOfWork, news: list[NewOrder], zones: list[ZoneInfo]) -> list[str]:
    """Order numbers for each, per store and business day (in its store's zone), in batch
    order."""
    wanted: dict[tuple[str, date], list[int]] = defaultdict(list)
    days = []
    for i, (new, zone) in enumerate(zip(news, zones, strict=True)):
        day = business_day(new.now, zone)
        days.append(day)
        wanted[(new.store.store_id, day)].append(i)
    numbers = [""] * len(news)
    for (store_id, day), positions in wanted.items():
        last = await uow.counters.take(store_id, day, len(positions))
        for offset, i in enumerate(positions):
            seq = last - len(positions) + 1 + offset
            numbers[i] = order_number(days[i], store_id, seq)
    return numbers


def _order(new: NewOrder, order_no: str, zone: str) -> Order:
    cmd = new.cmd
    if cmd.channel == Channel.POS:
        assert cmd.payment is not None  # validated before
        return Order.sell_at_till(
            order_id=new.order_id,
            order_no=order_no,
            store=new.store,
            customer_id=cmd.customer_id,
            lines=new.lines,
            payment=cmd.payment,
            now=new.now,
            by=cmd.scope.actor,
            time_zone=zone,
        )
    assert cmd.shipping_address is not None
    return Order.place_online(
        order_id=new.order_id,
        order_no=order_no,
        store=new.store,
        customer_id=cmd.customer_id,
        lines=new.lines,
        shipping_address=cmd.shipping_address,
        allocations=new.allocations,
        now=new.now,
        by=cmd.scope.actor,
        time_zone=zone,
    )
