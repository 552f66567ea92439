"""Stock levels in keyset pages by (location, SKU), with filters; limit 0 = all at once."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from chainstore.common.v1.common_pb2 import PageRequest
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def pages(inventory: Any, limit: int, **filters: str) -> list[list[tuple[str, str]]]:
    out, cursor = [], ""
    while True:
        reply = await inventory.stub.ListStockLevels(
            pb.ListStockLevelsRequest(page=PageRequest(limit=limit, cursor=cursor), **filters),
            timeout=T,
        )
        out.append([(x.location_id, x.sku) for x in reply.items])
        cursor = reply.page.next_cursor
        if not cursor:
            return out


async def test_levels_come_in_pages_that_add_up_to_the_whole(inventory: Any) -> None:
    for location in ("WH-A", "WH-B", "ST-1"):
        await inventory.add_location(location)
    for sku in ("TEA-1", "TEA-2", "MUG-1"):
        await inventory.add_product(sku)
    for location in ("WH-A", "WH-B", "ST-1"):
        await inventory.receive(location, **{"TEA-1": 5, "TEA-2": 3, "MUG-1": 1})

    everything = await inventory.stub.ListStockLevels(pb.ListStockLevelsRequest(), timeout=T)
    whole = [(x.location_id, x.sku) for x in everything.items]
    assert len(whole) == 9 and whole == sorted(whole) and not everything.page.next_cursor

    paged = await pages(inventory, 4)
    assert [len(p) for p in paged] == [4, 4, 1]
    assert [key for page in paged for key in page] == whole
    exact = await pages(inventory, 3)  # the last full page says there is no more
    assert [len(p) for p in exact] == [3, 3, 3]
    teas = await pages(inventory, 2, sku="TEA-1")
    assert [key for page in teas for key in page] == [
        ("ST-1", "TEA-1"),
        ("WH-A", "TEA-1"),
        ("WH-B", "TEA-1"),
    ]
    one_place = await pages(inventory, 2, location_id="WH-B")
    assert [key for page in one_place for key in page] == [
        (loc, s) for loc, s in whole if loc == "WH-B"
    ]


@pytest.mark.parametrize(
    ("page", "field"),
    [
        (PageRequest(limit=201), "page.limit"),
        (PageRequest(limit=5, cursor="bm9wZQ=="), "page.cursor"),
    ],
)
async def test_bad_pages_are_refused(inventory: Any, page: PageRequest, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await inventory.stub.ListStockLevels(pb.ListStockLevelsRequest(page=page), timeout=T)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")


async def test_locations_and_low_stock_come_in_pages(inventory: Any) -> None:
    stub = inventory.stub
    for location in ("WH-A", "WH-B", "ST-1", "ST-2", "ST-3"):
        await inventory.add_location(location)
    for sku in ("TEA-1", "MUG-1"):
        await inventory.add_product(sku)
    for location in ("WH-A", "ST-1", "ST-2"):
        await inventory.receive(location, **{"TEA-1": 2, "MUG-1": 2})
        for sku in ("TEA-1", "MUG-1"):  # 2 on hand, threshold 5: low
            await stub.SetThreshold(
                pb.SetThresholdRequest(location_id=location, sku=sku, low_stock_threshold=5),
                timeout=T,
            )

    all_locations = await stub.ListLocations(pb.ListLocationsRequest(), timeout=T)
    ids = [x.location_id for x in all_locations.items]
    assert ids == sorted(ids) and len(ids) == 5 and not all_locations.page.next_cursor
    seen, cursor = [], ""
    while True:
        reply = await stub.ListLocations(
            pb.ListLocationsRequest(page=PageRequest(limit=2, cursor=cursor)), timeout=T
        )
        seen.append([x.location_id for x in reply.items])
        cursor = reply.page.next_cursor
        if not cursor:
            break
    assert [len(p) for p in seen] == [2, 2, 1] and [x for p in seen for x in p] == ids

    low_all = await stub.ListLowStock(pb.ListLowStockRequest(), timeout=T)
    keys = [(x.level.location_id, x.level.sku) for x in low_all.items]
    assert len(keys) == 6 and keys == sorted(keys)
    pages_seen, cursor = [], ""
    while True:
        reply = await stub.ListLowStock(
            pb.ListLowStockRequest(page=PageRequest(limit=4, cursor=cursor)), timeout=T
        )
        pages_seen.append([(x.level.location_id, x.level.sku) for x in reply.items])
        cursor = reply.page.next_cursor
        if not cursor:
            break
    assert [len(p) for p in pages_seen] == [4, 2] and [x for p in pages_seen for x in p] == keys
    # A cursor of one list is not one of another.
    level_page = await stub.ListStockLevels(
        pb.ListStockLevelsRequest(page=PageRequest(limit=1)), timeout=T
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListLowStock(
            pb.ListLowStockRequest(page=PageRequest(limit=1, cursor=level_page.page.next_cursor)),
            timeout=T,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
