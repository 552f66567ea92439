"""Checks that a request names locations and SKUs that exist, as field errors."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from inventory.domain.model import Location, SkuQty
from inventory.domain.validation import Errors
from inventory.service_layer.ports import UnitOfWork


async def check_skus(
    uow: UnitOfWork, errors: Errors, lines: Sequence[SkuQty], field: str = "lines"
) -> None:
    found = await uow.products.get_many([x.sku for x in lines])
    report_unknown_skus(errors, lines, found.keys(), field)


UNKNOWN_SKU = "unknown SKU"  # how each unknown line's message starts (metrics count on it)


def report_unknown_skus(
    errors: Errors, lines: Sequence[SkuQty], known: Collection[str], field: str = "lines"
) -> None:
    for i, line in enumerate(lines):
        if line.sku not in known:
            errors.add(f"{field}[{i}].sku", f"{UNKNOWN_SKU} {line.sku!r}")


async def check_location(
    uow: UnitOfWork, errors: Errors, location_id: str, field: str
) -> Location | None:
    location = await uow.locations.get(location_id)
    if location is None:
        report_unknown_location(errors, location_id, field)
    return location


def report_unknown_location(errors: Errors, location_id: str, field: str) -> None:
    errors.add(field, f"unknown location {location_id!r}")
