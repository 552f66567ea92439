"""Stores in keyset pages by store_id through the servicer; limit 0 = every store."""

from __future__ import annotations

import pytest

from chainkit.errors import InvalidArgument
from chainstore.common.v1.common_pb2 import PageRequest
from chainstore.orders.v1 import orders_pb2 as pb
from orders.entrypoints.bootstrap import OrdersApp
from orders.entrypoints.servicer import OrdersServicer
from orders.service_layer import stores


async def test_stores_come_in_pages_that_add_up_to_all_of_them(app: OrdersApp) -> None:
    for n in (3, 1, 5, 4, 2):  # s1 exists already (the fixture's store)
        if n != 1:
            await stores.create_store(
                app.deps,
                store_id=f"s{n}",
                name=f"Store {n}",
                region="east",
                city="Shanghai",
                kind="franchise",
                location_id=f"st-{n}",
            )
    servicer = OrdersServicer(app.deps)
    everything = await servicer.ListStores(pb.ListStoresRequest(), None)
    assert [s.store_id for s in everything.items] == ["s1", "s2", "s3", "s4", "s5"]
    assert everything.page.next_cursor == ""

    seen, cursor, sizes = [], "", []
    while True:
        reply = await servicer.ListStores(
            pb.ListStoresRequest(page=PageRequest(limit=2, cursor=cursor)), None
        )
        sizes.append(len(reply.items))
        seen += [s.store_id for s in reply.items]
        cursor = reply.page.next_cursor
        if not cursor:
            break
    assert sizes == [2, 2, 1] and seen == ["s1", "s2", "s3", "s4", "s5"]
    exact = await servicer.ListStores(pb.ListStoresRequest(page=PageRequest(limit=5)), None)
    assert len(exact.items) == 5 and exact.page.next_cursor == ""


@pytest.mark.parametrize(
    ("page", "field"),
    [(PageRequest(limit=201), "page.limit"), (PageRequest(limit=2, cursor="x!"), "page.cursor")],
)
async def test_bad_store_pages_are_refused(app: OrdersApp, page: PageRequest, field: str) -> None:
    with pytest.raises(InvalidArgument) as bad:
        await OrdersServicer(app.deps).ListStores(pb.ListStoresRequest(page=page), None)
    assert [e.field for e in bad.value.errors] == [field]
