"""Use cases of transfers: ship units out of one location, receive them (maybe in parts)
at another. Units in transit are in neither location's on-hand; the ledger shows them as
a transfer_out at the source and transfer_in lines at the destination."""

from __future__ import annotations

from collections.abc import Sequence

from chainkit.errors import AlreadyExists, NotFound
from inventory.domain.errors import InsufficientStock
from inventory.domain.events import TransferReceived, TransferShipped
from inventory.domain.model import Movement, MovementKind, SkuQty, totals
from inventory.domain.transfer import Transfer, TransferLine, TransferState
from inventory.domain.validation import Errors, check_lines
from inventory.service_layer.alerts import publish_crossings
from inventory.service_layer.deps import Deps
from inventory.service_layer.references import check_location, check_skus
from inventory.service_layer.retry import LostRace, retrying


async def create_transfer(
    deps: Deps,
    *,
    transfer_id: str,
    from_location_id: str,
    to_location_id: str,
    lines: Sequence[SkuQty],
    actor: str = "",
) -> Transfer:
    """Ship now: unreserved units leave the source. Idempotent by transfer id."""
    errors = Errors()
    errors.require_id("transfer_id", transfer_id)
    errors.require_id("from_location_id", from_location_id)
    errors.require_id("to_location_id", to_location_id)
    if from_location_id and from_location_id == to_location_id:
        errors.add("to_location_id", "must differ from from_location_id")
    check_lines(errors, lines)
    errors.require_text("actor", actor, required=False)
    errors.raise_if_any()
    transfer = Transfer(
        transfer_id=transfer_id,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        state=TransferState.IN_TRANSIT,
        lines=tuple(TransferLine(x.sku, x.qty) for x in sorted(lines, key=lambda x: x.sku)),
        created_at=deps.clock(),
    )

    async def attempt() -> Transfer:
        async with deps.uow() as uow:
            existing = await uow.transfers.get(transfer_id)
            if existing is not None:
                same = (existing.from_location_id, existing.to_location_id) == (
                    from_location_id,
                    to_location_id,
                ) and existing.shipped() == totals(lines)
                if not same:
                    raise AlreadyExists(f"transfer {transfer_id!r} exists with other lines")
                return existing
            refs = Errors()
            await check_location(uow, refs, from_location_id, "from_location_id")
            await check_location(uow, refs, to_location_id, "to_location_id")
            await check_skus(uow, refs, lines)
            refs.raise_if_any()
            levels = await uow.stock.levels_at(from_location_id, [x.sku for x in lines])
            available = {x.sku: levels[x.sku].available if x.sku in levels else 0 for x in lines}
            if any(available[x.sku] < x.qty for x in lines):
                raise InsufficientStock(available, totals(lines))
            await uow.transfers.add(transfer, actor)
            for line in transfer.lines:
                # Only unreserved units: a transfer never takes what an online order holds.
                if not await uow.stock.try_sell(line.sku, from_location_id, line.qty_shipped):
                    raise LostRace
            await uow.stock.record(
                [
                    Movement(
                        x.sku,
                        from_location_id,
                        MovementKind.TRANSFER_OUT,
                        transfer_id,
                        -x.qty_shipped,
                        0,
                        actor,
                        f"to {to_location_id}",
                    )
                    for x in transfer.lines
                ]
            )
            # The destination's level rows exist from now on, so the units in transit to it
            # show on its levels (with nothing on hand yet).
            await uow.stock.receive(to_location_id, [SkuQty(x.sku, 0) for x in transfer.lines])
            await publish_crossings(uow, [(x.sku, from_location_id) for x in transfer.lines])
            uow.publish([TransferShipped(transfer)])
            await uow.commit()
            return transfer

    return await retrying(attempt, f"transfer {transfer_id}")


async def receive_transfer(
    deps: Deps,
    *,
    transfer_id: str,
    lines: Sequence[SkuQty],
    receipt_id: str = "",
    actor: str = "",
) -> Transfer:
    """Book units in at the destination; no lines: everything still in transit.

    With a receipt id a retry returns the transfer as it is without booking twice; in any
    case a line can never book more than is still in transit (checked by the database).
    """
    errors = Errors()
    errors.require_id("transfer_id", transfer_id)
    if lines:
        check_lines(errors, lines)
    if receipt_id:
        errors.require_id("receipt_id", receipt_id)
    errors.require_text("actor", actor, required=False)
    errors.raise_if_any()

    async def attempt() -> Transfer:
        async with deps.uow() as uow:
            current = await uow.transfers.get(transfer_id)
            if current is None:
                raise NotFound(f"transfer {transfer_id!r} not found")
            if receipt_id and not await uow.commands.claim(f"receipt:{transfer_id}:{receipt_id}"):
                return current
            booked = current.plan_receipt(lines)
            if not booked:
                return current  # nothing left in transit: receiving "the rest" again is a no-op
            for line in sorted(booked, key=lambda x: x.sku):
                if not await uow.transfers.try_receive(transfer_id, line.sku, line.qty):
                    raise LostRace  # a concurrent receipt booked some first: re-plan
            done = current.received(booked)
            if done.state is not current.state:
                await uow.transfers.set_state(done)
            to = current.to_location_id
            await uow.stock.receive(to, booked)
            await uow.stock.record(
                [
                    Movement(
                        x.sku,
                        to,
                        MovementKind.TRANSFER_IN,
                        transfer_id,
                        x.qty,
                        0,
                        actor,
                        f"from {current.from_location_id}",
                    )
                    for x in booked
                ]
            )
            await publish_crossings(uow, [(x.sku, to) for x in booked])
            uow.publish([TransferReceived(done, tuple(booked))])
            await uow.commit()
            return done

    return await retrying(attempt, f"receipt of transfer {transfer_id}")


async def get_transfer(deps: Deps, transfer_id: str) -> Transfer:
    errors = Errors()
    errors.require_id("transfer_id", transfer_id)
    errors.raise_if_any()
    async with deps.reader() as uow:
        found = await uow.transfers.get(transfer_id)
    if found is None:
        raise NotFound(f"transfer {transfer_id!r} not found")
    return found


MAX_LIST = 200


async def list_transfers(
    deps: Deps,
    to_location_id: str,
    state: TransferState = TransferState.IN_TRANSIT,
    limit: int = 50,
) -> list[Transfer]:
    """Transfers to one location in one state, newest first (what a store has to receive)."""
    errors = Errors()
    errors.require_id("to_location_id", to_location_id)
    errors.raise_if_any()
    async with deps.reader() as uow:
        return await uow.transfers.list_to(to_location_id, state, max(1, min(limit, MAX_LIST)))
