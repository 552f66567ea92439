"""Paged lists: /v1/stores and /v1/inventory answer {items, next_cursor} with limit/cursor."""

from __future__ import annotations

from typing import Any

import httpx

from chainstore.orders.v1 import orders_pb2


async def test_stores_are_listed_a_page_at_a_time(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    for n in range(1, 6):
        backends.orders.stores[f"S{n}"] = orders_pb2.Store(
            store_id=f"S{n}",
            name=f"Store {n}",
            region="east",
            location_id=f"LOC-S{n}",
            kind=orders_pb2.STORE_KIND_DIRECT,
        )
    seen, cursor, sizes = [], None, []
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await client.get("/v1/stores", params=params, headers=tokens.hq)
        assert r.status_code == 200, r.text
        sizes.append(len(r.json()["items"]))
        seen += [s["store_id"] for s in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    default = await client.get("/v1/stores", headers=tokens.hq)
    too_big = await client.get("/v1/stores", params={"limit": 201}, headers=tokens.hq)

    assert sizes == [2, 2, 1] and seen == ["S1", "S2", "S3", "S4", "S5"]
    assert backends.orders.last("ListStores").page.limit == 20  # the default page
    assert default.json()["next_cursor"] is None and len(default.json()["items"]) == 5
    assert too_big.status_code == 422
    assert [e["field"] for e in too_big.json()["errors"]] == ["limit"]


async def test_stock_levels_are_paged_and_the_cursor_goes_back_to_inventory(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    first = await client.get("/v1/inventory", params={"limit": 1}, headers=tokens.hq)
    asked_first = backends.inventory.last("ListStockLevels").page
    second = await client.get(
        "/v1/inventory",
        params={"limit": 1, "cursor": first.json()["next_cursor"], "sku": "SKU-1"},
        headers=tokens.hq,
    )
    asked_second = backends.inventory.last("ListStockLevels")

    assert first.status_code == 200 and first.json()["next_cursor"] == "lvl-next"
    assert (asked_first.limit, asked_first.cursor) == (1, "")
    assert second.status_code == 200
    assert (asked_second.page.limit, asked_second.page.cursor) == (1, "lvl-next")
    assert asked_second.sku == "SKU-1"


async def test_locations_and_low_stock_are_paged_too(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    locations = await client.get("/v1/locations", params={"limit": 5}, headers=tokens.hq)
    asked = backends.inventory.last("ListLocations").page
    more = await client.get(
        "/v1/locations", params={"cursor": locations.json()["next_cursor"]}, headers=tokens.hq
    )
    asked_more = backends.inventory.last("ListLocations").page
    low = await client.get(
        "/v1/inventory/low-stock", params={"limit": 3, "cursor": "c-1"}, headers=tokens.hq
    )
    asked_low = backends.inventory.last("ListLowStock").page

    assert locations.status_code == 200 and locations.json()["next_cursor"] == "loc-next"
    assert (asked.limit, asked.cursor) == (5, "")
    assert more.status_code == 200 and (asked_more.limit, asked_more.cursor) == (20, "loc-next")
    assert low.status_code == 200 and low.json()["next_cursor"] == "low-next"
    assert (asked_low.limit, asked_low.cursor) == (3, "c-1")
