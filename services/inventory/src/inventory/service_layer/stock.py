"""Use cases on stock levels: goods in, look-ups, till sales."""

from __future__ import annotations

from collections.abc import Sequence

from chainkit.errors import AlreadyExists, Conflict
from inventory.domain.errors import InsufficientStock
from inventory.domain.events import StockAdjusted, StockReceived, StockSold
from inventory.domain.model import Movement, MovementKind, Sale, SkuQty, StockLevel, totals
from inventory.domain.validation import MAX_QTY, Errors, check_lines
from inventory.service_layer.alerts import publish_crossings
from inventory.service_layer.catalog import check_page_limit
from inventory.service_layer.deps import Deps
from inventory.service_layer.ports import UnitOfWork
from inventory.service_layer.references import check_location, check_skus
from inventory.service_layer.retry import LostRace, retrying


async def receive_stock(
    deps: Deps,
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
    async with deps.uow() as uow:
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
        await publish_crossings(uow, [(x.sku, location_id) for x in lines])
        levels = await uow.stock.levels_at(location_id, [x.sku for x in lines])
        uow.publish([StockReceived(location_id, tuple(lines), reference)])
        await uow.commit()
    return [levels[x.sku] for x in lines]


async def list_stock_levels(
    deps: Deps,
    *,
    sku: str = "",
    location_id: str = "",
    after: tuple[str, str] | None = None,
    limit: int = 0,
) -> tuple[list[StockLevel], tuple[str, str] | None]:
    """Levels by (location_id, sku), and the key to continue after (None on the last page).
    `limit` 0 answers every level (callers that predate paging); at most MAX_PAGE else."""
    check_page_limit(limit)
    async with deps.reader() as uow:
        items = await uow.stock.levels(
            sku=sku, location_id=location_id, after=after, limit=limit + 1 if limit else 0
        )
    if not limit or len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, (items[-1].location_id, items[-1].sku)


async def _available_at(
    uow: UnitOfWork, location_id: str, lines: Sequence[SkuQty]
) -> dict[str, int]:
    levels = await uow.stock.levels_at(location_id, [x.sku for x in lines])
    return {x.sku: levels[x.sku].available if x.sku in levels else 0 for x in lines}


async def sell_at_location(
    deps: Deps, *, sale_id: str, location_id: str, lines: Sequence[SkuQty]
) -> Sale:
    """Deduct unreserved units of one location in one step; a retry returns the original."""
    errors = Errors()
    errors.require_id("sale_id", sale_id)
    errors.require_id("location_id", location_id)
    check_lines(errors, lines)
    errors.raise_if_any()
    sale = Sale(sale_id=sale_id, location_id=location_id, lines=tuple(lines))

    async def attempt() -> Sale:
        async with deps.uow() as uow:
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
            await publish_crossings(uow, [(x.sku, location_id) for x in lines])
            uow.publish([StockSold(sale)])
            await uow.commit()
            return sale

    return await retrying(attempt, f"sale {sale_id}")


async def adjust_stock(
    deps: Deps,
    *,
    location_id: str,
    sku: str,
    delta: int,
    reason: str,
    actor: str = "",
    adjustment_id: str = "",
) -> StockLevel:
    """A counted correction: on_hand += delta, never below what is reserved.

    With an adjustment id a retry is a no-op that returns the current level.
    """
    errors = Errors()
    errors.require_id("location_id", location_id)
    errors.require_id("sku", sku)
    if delta == 0:
        errors.add("delta", "must not be zero")
    elif abs(delta) > MAX_QTY:
        errors.add("delta", f"must be between -{MAX_QTY} and {MAX_QTY}")
    errors.require_text("reason", reason)
    errors.require_text("actor", actor, required=False)
    if adjustment_id:
        errors.require_id("adjustment_id", adjustment_id)
    errors.raise_if_any()
    async with deps.uow() as uow:
        await check_location(uow, errors, location_id, "location_id")
        if await uow.products.get(sku) is None:
            errors.add("sku", f"unknown SKU {sku!r}")
        errors.raise_if_any()
        if adjustment_id and not await uow.commands.claim(f"adjustment:{adjustment_id}"):
            return await _level(uow, sku, location_id)
        if delta > 0:
            await uow.stock.receive(location_id, [SkuQty(sku, delta)])
        elif not await uow.stock.try_adjust(sku, location_id, delta):
            level = (await uow.stock.levels_at(location_id, [sku])).get(sku)
            on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
            raise Conflict(
                f"cannot remove {-delta} of {sku} at {location_id}: on hand {on_hand}, "
                f"{reserved} reserved for orders (adjustments never go below reserved)"
            )
        reference = adjustment_id or f"adjustment:{sku}@{location_id}"
        await uow.stock.record(
            [
                Movement(
                    sku, location_id, MovementKind.ADJUSTMENT, reference, delta, 0, actor, reason
                )
            ]
        )
        await publish_crossings(uow, [(sku, location_id)])
        level = await _level(uow, sku, location_id)
        uow.publish([StockAdjusted(location_id, sku, delta, reason, adjustment_id)])
        await uow.commit()
    return level


async def _level(uow: UnitOfWork, sku: str, location_id: str) -> StockLevel:
    found = (await uow.stock.levels_at(location_id, [sku])).get(sku)
    return found or StockLevel(sku, location_id, 0, 0)
