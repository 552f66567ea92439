"""Low-stock alerts: thresholds, the once-per-crossing flag, the list with suggestions.

Every command that changes stock calls `publish_crossings` on the levels it touched, in its
own transaction: the flag flips by a conditional UPDATE, so of any number of concurrent
commands exactly one publishes `inventory.low_stock` (or `..._cleared`) for a crossing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from inventory.domain.events import LowStock, LowStockCleared
from inventory.domain.low_stock import Crossing, Suggestion, crossing, suggest_replenishment
from inventory.domain.model import StockLevel
from inventory.domain.validation import MAX_QTY, Errors
from inventory.service_layer.catalog import check_page_limit
from inventory.service_layer.deps import Deps
from inventory.service_layer.ports import Pair, UnitOfWork
from inventory.service_layer.references import check_location


async def suggestion_for(uow: UnitOfWork, level: StockLevel) -> Suggestion | None:
    here = await uow.locations.get(level.location_id)
    if here is None:
        return None
    locations = {x.location_id: x for x in await uow.locations.list()}
    others = [
        (lv, locations[lv.location_id])
        for lv in await uow.stock.levels(sku=level.sku)
        if lv.location_id in locations
    ]
    return suggest_replenishment(level, here, others)


async def publish_crossings(uow: UnitOfWork, pairs: Iterable[Pair]) -> None:
    await publish_crossings_of(uow, await uow.stock.levels_for(sorted(set(pairs))))


async def publish_crossings_of(uow: UnitOfWork, levels: Iterable[StockLevel]) -> None:
    """As publish_crossings, for levels this transaction has just read or written."""
    for level in levels:
        change = crossing(level)
        if change is None:
            continue
        if not await uow.stock.set_low_stock(
            level.sku, level.location_id, expected=level.low_stock
        ):
            continue  # a concurrent command flipped it and publishes the alert
        now = replace(level, low_stock=not level.low_stock)
        if change is Crossing.FELL:
            uow.publish([LowStock(now, await suggestion_for(uow, now))])
        else:
            uow.publish([LowStockCleared(now)])


async def set_threshold(deps: Deps, *, location_id: str, sku: str, threshold: int) -> StockLevel:
    errors = Errors()
    errors.require_id("location_id", location_id)
    errors.require_id("sku", sku)
    if not 0 <= threshold <= MAX_QTY:
        errors.add("low_stock_threshold", f"must be between 0 and {MAX_QTY}")
    errors.raise_if_any()
    async with deps.uow() as uow:
        await check_location(uow, errors, location_id, "location_id")
        if await uow.products.get(sku) is None:
            errors.add("sku", f"unknown SKU {sku!r}")
        errors.raise_if_any()
        await uow.stock.set_threshold(sku, location_id, threshold)
        await publish_crossings(uow, [(sku, location_id)])
        [level] = await uow.stock.levels_for([(sku, location_id)])
        await uow.commit()
    return level


@dataclass(frozen=True)
class LowStockRow:
    level: StockLevel
    suggestion: Suggestion | None


async def list_low_stock(
    deps: Deps,
    *,
    sku: str = "",
    location_id: str = "",
    after: tuple[str, str] | None = None,
    limit: int = 0,
) -> tuple[list[LowStockRow], tuple[str, str] | None]:
    """Rows at or below threshold by (location_id, sku), and the key to continue after
    (None on the last page); `limit` 0 answers all of them."""
    check_page_limit(limit)
    async with deps.reader() as uow:
        levels = await uow.stock.low_levels(
            sku=sku, location_id=location_id, after=after, limit=limit + 1 if limit else 0
        )
        more = bool(limit) and len(levels) > limit
        levels = levels[:limit] if more else levels
        rows = [LowStockRow(level, await suggestion_for(uow, level)) for level in levels]
    last = (levels[-1].location_id, levels[-1].sku) if more else None
    return rows, last
