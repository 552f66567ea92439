"""`chainstore stock levels|low`: stock by location, from inventory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore_cli.connection import Services
from chainstore_cli.context import JsonOpt, run
from chainstore_cli.render import as_dict, emit_json, progress, table

app = typer.Typer(help="Stock levels and low stock, by location.", no_args_is_help=True)
LocationOpt = Annotated[str, typer.Option("--location", "-l", help="Only this location (its id).")]
SkuOpt = Annotated[str, typer.Option("--sku", help="Only this SKU.")]
PAGE = 200


async def every_page(
    call: Callable[..., Awaitable[Any]],
    request: Any,
    timeout_s: float,
    read: Callable[[int], object] = lambda _n: None,
) -> list[Any]:
    """Every item of a paged list RPC, page by page (`read` is told how many so far)."""
    found: list[Any] = []
    request.page.limit = PAGE
    while True:
        reply = await call(request, timeout=timeout_s)
        found.extend(reply.items)
        read(len(found))
        if not reply.page.next_cursor:
            return found
        request.page.cursor = reply.page.next_cursor


@app.command("levels")
def levels(
    ctx: typer.Context, location: LocationOpt = "", sku: SkuOpt = "", json: JsonOpt = False
) -> None:
    """Every stock level: on hand, reserved, available, in transit, threshold."""

    async def body(services: Services) -> list[pb.StockLevel]:
        request = pb.ListStockLevelsRequest(sku=sku, location_id=location)
        with progress(not json) as bar:
            task = bar.add_task("reading stock levels", total=None)
            async with services.calling("inventory"):
                return await every_page(
                    services.inventory().ListStockLevels,
                    request,
                    services.timeout_s,
                    lambda n: bar.update(task, completed=n),
                )

    found = run(ctx, body)
    if json:
        emit_json([as_dict(level) for level in found])
        return
    table(
        f"Stock levels ({len(found)})",
        ["location", "sku", "on hand", "reserved", "available", "in transit", "threshold", "low"],
        [
            [
                s.location_id,
                s.sku,
                s.on_hand,
                s.reserved,
                s.available,
                s.in_transit,
                s.low_stock_threshold,
                "LOW" if s.low_stock else "",
            ]
            for s in found
        ],
    )


@app.command("low")
def low(
    ctx: typer.Context, location: LocationOpt = "", sku: SkuOpt = "", json: JsonOpt = False
) -> None:
    """Levels at or below their threshold, with where to bring units from."""

    async def body(services: Services) -> list[pb.LowStockRow]:
        request = pb.ListLowStockRequest(location_id=location, sku=sku)
        async with services.calling("inventory"):
            return await every_page(services.inventory().ListLowStock, request, services.timeout_s)

    found = run(ctx, body)
    if json:
        emit_json([as_dict(row) for row in found])
        return
    table(
        f"Low stock ({len(found)})",
        ["location", "sku", "available", "threshold", "bring from", "qty", "why"],
        [
            [
                r.level.location_id,
                r.level.sku,
                r.level.available,
                r.level.low_stock_threshold,
                r.suggestion.from_location_id if r.HasField("suggestion") else "",
                r.suggestion.qty if r.HasField("suggestion") else "",
                r.suggestion.reason if r.HasField("suggestion") else "",
            ]
            for r in found
        ],
    )
