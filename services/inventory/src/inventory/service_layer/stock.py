"""Use cases on stock levels: goods in, look-ups, till sales."""

from __future__ import annotations

from collections.abc import Sequence

from chainkit.errors import AlreadyExists
from inventory.domain.errors import InsufficientStock
from inventory.domain.model import Movement, MovementKind, Sale, SkuQty, StockLevel, totals
from inventory.domain.validation import Errors, check_lines
from inventory.service_layer import messages
from inventory.service_layer.ports import UnitOfWork, UnitOfWorkFactory
from inventory.service_layer.references import check_location, check_skus
from inventory.service_layer.retry import LostRace, retrying


async def receive_stock(
    uows: UnitOfWorkFactory,
    *,
    location_id: str,
    lines: Sequence[SkuQty],
    reference: str,
    actor: str = "",
) -> list[StockLevel]:
    errors = Errors()
    errors.require_id("location_id", location_id)
    check_lines(errors, lines)
    errors.require_text("reference", reference, required=False)
    errors.require_text("actor", actor, required=False)
    errors.raise_if_any()
    async with uows() as uow:
        await check_location(uow, errors, location_id, "location_id")
        await check_skus(uow, errors, lines)
        errors.raise_if_any()
        await uow.stock.receive(location_id, lines)
        await uow.stock.record(
            [
                Movement(x.sku, location_id, MovementKind.RECEIPT, reference, x.qty, 0, actor)
                for x in lines
            ]
        )
        levels = await uow.stock.levels_at(location_id, [x.sku for x in lines])
        uow.emit(messages.stock_received(location_id, lines, reference))
        await uow.commit()
    return [levels[x.sku] for x in lines]


async def list_stock_levels(
    uows: UnitOfWorkFactory, *, sku: str = "", location_id: str = ""
) -> list[StockLevel]:
    async with uows() as uow:
        return await uow.stock.levels(sku=sku, location_id=location_id)


async def _available_at(
    uow: UnitOfWork, location_id: str, lines: Sequence[SkuQty]
) -> dict[str, int]:
    levels = await uow.stock.levels_at(location_id, [x.sku for x in lines])
    return {x.sku: levels[x.sku].available if x.sku in levels else 0 for x in lines}


async def sell_at_location(
    uows: UnitOfWorkFactory, *, sale_id: str, location_id: str, lines: Sequence[SkuQty]
) -> Sale:
    """Deduct unreserved units of one location in one step; a retry returns the original."""
    errors = Errors()
    errors.require_id("sale_id", sale_id)
    errors.require_id("location_id", location_id)
    check_lines(errors, lines)
    errors.raise_if_any()
    sale = Sale(sale_id=sale_id, location_id=location_id, lines=tuple(lines))

    async def attempt() -> Sale:
        async with uows() as uow:
            existing = await uow.sales.get(sale_id)
            if existing is not None:
                if existing != sale:
                    raise AlreadyExists(f"sale {sale_id!r} was recorded with other lines")
                return existing
            refs = Errors()
            await check_location(uow, refs, location_id, "location_id")
            await check_skus(uow, refs, lines)
            refs.raise_if_any()
            available = await _available_at(uow, location_id, lines)
            requested = totals(lines)
            if any(available[sku] < qty for sku, qty in requested.items()):
                raise InsufficientStock(available, requested)
            await uow.sales.add(sale)
            for line in sorted(lines, key=lambda x: x.sku):
                if not await uow.stock.try_sell(line.sku, location_id, line.qty):
                    raise LostRace  # rolls back every line; the retry re-reads availability
            await uow.stock.record(
                [Movement(x.sku, location_id, MovementKind.SALE, sale_id, -x.qty, 0) for x in lines]
            )
            uow.emit(messages.stock_sold(sale))
            await uow.commit()
            return sale

    return await retrying(attempt, f"sale {sale_id}")
