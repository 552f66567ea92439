"""Reserve: hold units for an order. The whole rule is in this file; the storage it calls
(UnitOfWork.read_for_reserve and .hold) only reads and writes.

- What may be reserved, and from where: lines of SKUs that exist (each SKU once, positive
  quantities), from stock shared online or the ordering store's own (its home location),
  ranked by the strategy (domain/allocation.py: region, priority, distance, ...); a line
  may be split across locations.
- All or nothing: every line is allocated or the reservation is refused (InsufficientStock
  names what is available) and touches nothing. Its units are taken by writes that re-check
  availability; one that finds too few undoes the whole transaction (a lost race).
- Idempotent by reservation id: the same id with the same lines answers the stored
  reservation; with other lines it is AlreadyExists.
- Batches: reservations that arrive together are decided together (chainkit.batching):
  one read of availability, each allocated in turn against what the earlier ones left,
  then one transaction that stores them all. Refusals are decided before that write, so a
  refused reservation never fails its neighbours. An id appears once per transaction: a
  repeat waits for the next round, where it replays. The first attempt takes every id for
  new, as nearly every one is (a stored id makes `hold` raise Retryable); the attempts
  after it look the ids up and replay what exists. A lost race (a concurrent buyer, another
  replica) starts the batch over from a fresh read; after BATCH_ATTEMPTS of them, or any
  other failure, its reservations go on one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chainkit.batching import Batcher, first_of_each
from chainkit.errors import AlreadyExists, DomainError, Retryable
from chainkit.logging import current_correlation_id
from inventory.domain.allocation import allocate, resolve_strategy
from inventory.domain.model import Movement, MovementKind, totals
from inventory.domain.reservation import Reservation
from inventory.domain.snapshot import StockSnapshot
from inventory.domain.validation import Errors, check_lines
from inventory.service_layer.alerts import publish_crossings_of
from inventory.service_layer.commands import ReserveCommand
from inventory.service_layer.deps import Deps
from inventory.service_layer.metrics import count_refusal
from inventory.service_layer.ports import Availability, NewReservation
from inventory.service_layer.references import report_unknown_location, report_unknown_skus
from inventory.service_layer.retry import MAX_ATTEMPTS, LostRace

Outcome = Reservation | BaseException
# Lost races a batch takes before its reservations go on one at a time.
BATCH_ATTEMPTS = 2


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

    def __init__(self, deps: Deps, max_batch: int = 128) -> None:
        self._batcher: Batcher[ReserveCommand, Reservation] = Batcher(
            lambda cmds: reserve_many(deps, cmds), max_batch=max_batch, name="reserve"
        )

    async def __call__(self, cmd: ReserveCommand) -> Reservation:
        if not cmd.correlation_id:
            cmd = replace(cmd, correlation_id=current_correlation_id())
        try:
            return await self._batcher.submit(cmd)
        except DomainError as e:
            count_refusal(e)
            raise


async def reserve(deps: Deps, cmd: ReserveCommand) -> Reservation:
    [outcome] = await reserve_many(deps, [cmd])
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def reserve_many(deps: Deps, cmds: Sequence[ReserveCommand]) -> list[Outcome]:
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
        outcomes.update(await _settle(deps, now))
    return [outcomes[i] for i in range(len(cmds))]


async def _settle(deps: Deps, items: list[Item]) -> dict[int, Outcome]:
    tries = BATCH_ATTEMPTS if len(items) > 1 else MAX_ATTEMPTS
    look_up = False  # the first attempt takes every id for new
    for _ in range(tries):
        try:
            return await _attempt(deps, items, look_up)
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
        out.update(await _settle(deps, [item]))
    return out


async def _attempt(deps: Deps, items: list[Item], look_up: bool) -> dict[int, Outcome]:
    async with deps.uow() as uow:
        seen = await uow.read_for_reserve(
            [x.sku for _, cmd, _ in items for x in cmd.lines],
            [cmd.home_location_id for _, cmd, _ in items],
            [cmd.reservation_id for _, cmd, _ in items] if look_up else [],
        )
        outcomes, new = _decide_all(items, seen)
        if new:
            # Late in the transaction: a stock row stays locked from its write to COMMIT.
            levels = await uow.hold(
                new, _ledger_lines(new), [e for x in new for e in x.reservation.events]
            )
            if levels is None:
                raise LostRace
            await publish_crossings_of(uow, levels)
            await uow.commit()
        return outcomes


def _decide_all(
    items: list[Item], seen: Availability
) -> tuple[dict[int, Outcome], list[NewReservation]]:
    """Each item's answer, in batch order, and the reservations to store."""
    outcomes: dict[int, Outcome] = {}
    snapshot = StockSnapshot(seen.candidates)
    new: list[NewReservation] = []
    for i, cmd, strategy in items:
        found = seen.existing.get(cmd.reservation_id)
        try:
            if found is not None:
                outcomes[i] = _replayed(found, cmd)
                continue
            decided = _decide(cmd, strategy, seen, snapshot)
        except DomainError as e:
            outcomes[i] = e
            continue
        outcomes[i] = decided
        new.append(NewReservation(decided, cmd.region, cmd.home_location_id, strategy))
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
    return Reservation.hold(
        cmd.reservation_id, tuple(allocations), cmd.expires_at, cmd.correlation_id
    )


def _ledger_lines(new: Sequence[NewReservation]) -> list[Movement]:
    """Each allocation's units move from available to reserved; on-hand stays."""
    return [
        Movement(
            a.sku, a.location_id, MovementKind.RESERVATION, x.reservation.reservation_id, 0, a.qty
        )
        for x in new
        for a in x.reservation.allocations
    ]
