"""Reserve: hold units for an order, idempotent by reservation id, decided in batches.

Reservations that arrive together are decided together (see chainkit.batching): one read
of availability, each allocated in turn against what the earlier ones left, then one
transaction that stores them all and takes their units with conditional UPDATEs. Refusals
(bad input, unknown SKU, too little stock, an id reused with other lines) are decided
before the write and touch nothing, so every reservation is still all or nothing. The
first attempt does not look the ids up: they are new but for a caller's retry, which the
primary key catches, and the attempts after that one read what exists and replay it.

If an UPDATE finds fewer units than the read promised (a concurrent buyer, another
replica), the whole transaction rolls back and the batch starts over from a fresh read;
after two such losses its reservations go on one at a time. A batch that fails for any
other reason is also split, so one bad reservation never fails its neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from chainkit.batching import Batcher, first_of_each
from chainkit.errors import AlreadyExists, DomainError, Retryable
from chainkit.logging import current_correlation_id
from inventory.domain.allocation import allocate, resolve_strategy
from inventory.domain.geo import Point
from inventory.domain.model import Movement, MovementKind, SkuQty, totals
from inventory.domain.reservation import Reservation, ReservationState
from inventory.domain.snapshot import StockSnapshot
from inventory.domain.validation import Errors, check_lines
from inventory.service_layer import messages
from inventory.service_layer.alerts import publish_crossings_of
from inventory.service_layer.metrics import count_refusal
from inventory.service_layer.ports import (
    Availability,
    NewReservation,
    Pair,
    UnitOfWork,
    UnitOfWorkFactory,
)
from inventory.service_layer.references import report_unknown_location, report_unknown_skus
from inventory.service_layer.retry import MAX_ATTEMPTS, LostRace

Outcome = Reservation | BaseException
# Lost races a batch takes before its reservations go on one at a time.
BATCH_ATTEMPTS = 2


@dataclass(frozen=True)
class ReserveCommand:
    reservation_id: str
    lines: Sequence[SkuQty]
    region: str = ""
    home_location_id: str = ""
    strategy: str = ""
    # The hold's deadline: past it the expiry sweep releases it and commits are refused.
    expires_at: datetime | None = None
    destination: Point | None = None
    # The caller's: a batch runs in one task for many callers, each event names its own.
    correlation_id: str = ""


def _validate(cmd: ReserveCommand) -> str:
    errors = Errors()
    errors.require_id("reservation_id", cmd.reservation_id)
    check_lines(errors, cmd.lines)
    if cmd.region:
        errors.require_id("region", cmd.region)
    if cmd.home_location_id:
        errors.require_id("home_location_id", cmd.home_location_id)
    if cmd.expires_at is not None and cmd.expires_at.utcoffset() is None:
        errors.add("expires_at", "must carry a time zone")
    if cmd.destination is not None:
        if not -90.0 <= cmd.destination.lat <= 90.0:
            errors.add("destination.lat", "must be between -90 and 90")
        if not -180.0 <= cmd.destination.lon <= 180.0:
            errors.add("destination.lon", "must be between -180 and 180")
    errors.raise_if_any()
    return resolve_strategy(cmd.strategy)


Item = tuple[int, ReserveCommand, str]  # (position in the batch, command, strategy)


class Reserver:
    """Reserve for a server: concurrent calls share batches (one per process)."""

    def __init__(self, uows: UnitOfWorkFactory, max_batch: int = 128) -> None:
        self._batcher: Batcher[ReserveCommand, Reservation] = Batcher(
            lambda cmds: reserve_many(uows, cmds), max_batch=max_batch
        )

    async def __call__(self, cmd: ReserveCommand) -> Reservation:
        if not cmd.correlation_id:
            cmd = replace(cmd, correlation_id=current_correlation_id())
        try:
            return await self._batcher.submit(cmd)
        except DomainError as e:
            count_refusal(e)
            raise


async def reserve(uows: UnitOfWorkFactory, cmd: ReserveCommand) -> Reservation:
    [outcome] = await reserve_many(uows, [cmd])
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def reserve_many(uows: UnitOfWorkFactory, cmds: Sequence[ReserveCommand]) -> list[Outcome]:
    """Each command's reservation, or the error it is refused with, in order."""
    outcomes: dict[int, Outcome] = {}
    todo: list[Item] = []
    for i, cmd in enumerate(cmds):
        try:
            todo.append((i, cmd, _validate(cmd)))
        except DomainError as e:
            outcomes[i] = e
    while todo:
        # An id once per transaction: a repeat waits for the next round, where it replays.
        now, todo = first_of_each(todo, lambda item: item[1].reservation_id)
        outcomes.update(await _settle(uows, now))
    return [outcomes[i] for i in range(len(cmds))]


async def _settle(uows: UnitOfWorkFactory, items: list[Item]) -> dict[int, Outcome]:
    tries = BATCH_ATTEMPTS if len(items) > 1 else MAX_ATTEMPTS
    # The first attempt takes every id for new, as nearly every one is: the primary key
    # refuses one that is not (Retryable), and the attempts after it look the ids up.
    look_up = False
    for _ in range(tries):
        try:
            return await _attempt(uows, items, look_up)
        except (LostRace, Retryable):
            look_up = True
            continue
        except Exception as e:
            if len(items) == 1:
                return {items[0][0]: e}
            break
    if len(items) == 1:
        rid = items[0][1].reservation_id
        return {items[0][0]: Retryable(f"reservation {rid}: stock changed concurrently, try again")}
    out: dict[int, Outcome] = {}
    for item in items:
        out.update(await _settle(uows, [item]))
    return out


async def _attempt(uows: UnitOfWorkFactory, items: list[Item], look_up: bool) -> dict[int, Outcome]:
    async with uows() as uow:
        # Read and decide before the write transaction (on SQLite, before the write lock):
        # the conditional UPDATEs re-check the stock and the primary key the ids, so a
        # concurrent change means a retry.
        async with uow.reading() as phase:
            existing = (
                await uow.reservations.get_many([cmd.reservation_id for _, cmd, _ in items])
                if look_up
                else {}
            )
            seen = await uow.stock.availability(
                [x.sku for _, cmd, _ in items for x in cmd.lines],
                [cmd.home_location_id for _, cmd, _ in items],
            )
            outcomes, new = _decide_all(items, existing, seen)
            phase.writes_follow = bool(new)
        if new:
            await _store(uow, new)
        return outcomes


def _decide_all(
    items: list[Item], existing: dict[str, Reservation], seen: Availability
) -> tuple[dict[int, Outcome], list[NewReservation]]:
    """Each item's answer, in batch order, and the reservations to store."""
    outcomes: dict[int, Outcome] = {}
    snapshot = StockSnapshot(seen.candidates)
    new: list[NewReservation] = []
    for i, cmd, strategy in items:
        found = existing.get(cmd.reservation_id)
        try:
            if found is not None:
                outcomes[i] = _replayed(found, cmd)
                continue
            decided = _decide(cmd, strategy, seen, snapshot)
        except DomainError as e:
            outcomes[i] = e
            continue
        outcomes[i] = decided
        new.append(
            NewReservation(decided, cmd.region, cmd.home_location_id, strategy, cmd.correlation_id)
        )
    return outcomes, new


def _replayed(existing: Reservation, cmd: ReserveCommand) -> Reservation:
    if existing.quantities() != totals(cmd.lines):
        raise AlreadyExists(f"reservation {cmd.reservation_id!r} exists with other lines")
    return existing


def _decide(
    cmd: ReserveCommand, strategy: str, seen: Availability, snapshot: StockSnapshot
) -> Reservation:
    refs = Errors()
    report_unknown_skus(refs, cmd.lines, seen.known)
    if cmd.home_location_id and cmd.home_location_id not in seen.homes:
        report_unknown_location(refs, cmd.home_location_id, "home_location_id")
    refs.raise_if_any()
    allocations = allocate(
        cmd.lines,
        snapshot.candidates(totals(cmd.lines)),
        region=cmd.region,
        home_location_id=cmd.home_location_id,
        strategy=strategy,
        destination=cmd.destination,
    )
    snapshot.take(allocations)
    return Reservation(
        reservation_id=cmd.reservation_id,
        state=ReservationState.HELD,
        allocations=tuple(allocations),
        expires_at=cmd.expires_at,
    )


async def _store(uow: UnitOfWork, new: list[NewReservation]) -> None:
    units: dict[Pair, int] = {}
    movements = []
    for x in new:
        rid = x.reservation.reservation_id
        for a in x.reservation.allocations:
            units[(a.sku, a.location_id)] = units.get((a.sku, a.location_id), 0) + a.qty
            movements.append(
                Movement(a.sku, a.location_id, MovementKind.RESERVATION, rid, 0, a.qty)
            )
    events = [messages.stock_reserved(x.reservation, x.correlation_id) for x in new]
    # Late in the transaction: a stock row stays locked from its UPDATE to COMMIT.
    levels = await uow.store_reservations(new, units, movements, events)
    if levels is None:
        raise LostRace
    await publish_crossings_of(uow, levels)
    await uow.commit()
