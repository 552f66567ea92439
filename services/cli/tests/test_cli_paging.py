"""Paged list RPCs are read to the end: every page's items, each request after the first
carrying the cursor the page before gave."""

from __future__ import annotations

from typing import Any

from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore_cli.stock import PAGE, every_page


async def test_every_page_follows_the_cursor_to_the_last_page() -> None:
    pages = {
        "": pb.ListStockLevelsResponse(items=[pb.StockLevel(sku="A"), pb.StockLevel(sku="B")]),
        "c1": pb.ListStockLevelsResponse(items=[pb.StockLevel(sku="C")]),
    }
    pages[""].page.next_cursor = "c1"
    asked: list[tuple[str, int]] = []
    read: list[int] = []

    async def call(request: Any, **_options: float) -> pb.ListStockLevelsResponse:
        asked.append((request.page.cursor, request.page.limit))
        return pages[request.page.cursor]

    found = await every_page(call, pb.ListStockLevelsRequest(), 5.0, read.append)
    assert [level.sku for level in found] == ["A", "B", "C"]
    assert asked == [("", PAGE), ("c1", PAGE)]
    assert read == [2, 3]
