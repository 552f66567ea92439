"""Item master and locations over gRPC: creation, look-ups, paging and validation."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest

from chainkit.grpc_client import status_detail
from chainstore.common.v1.common_pb2 import BadRequest, Money, PageRequest
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    detail = status_detail(error, BadRequest)
    assert detail is not None, error.details()
    return [v.field for v in detail.violations]


async def test_locations_default_sharing_by_kind(inventory: Any) -> None:
    wh = await inventory.add_location("WH-1", region="east", priority=2)
    store = await inventory.add_location("ST-1", kind=pb.LOCATION_KIND_STORE)
    shared_store = await inventory.add_location(
        "ST-2", kind=pb.LOCATION_KIND_STORE, share_online=True
    )
    assert (wh.share_online, store.share_online, shared_store.share_online) == (True, False, True)
    listed = await inventory.stub.ListLocations(pb.ListLocationsRequest(), timeout=T)
    assert [x.location_id for x in listed.items] == ["ST-1", "ST-2", "WH-1"]
    assert listed.items[2].priority == 2
    assert listed.items[2].kind == pb.LOCATION_KIND_WAREHOUSE

    dup = await failure(inventory.add_location("WH-1"))
    assert dup.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_location_validation(inventory: Any) -> None:
    request = pb.CreateLocationRequest(location=pb.Location(location_id="X", priority=-1))
    error = await failure(inventory.stub.CreateLocation(request, timeout=T))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(error) == [
        "location.kind",
        "location.name",
        "location.region",
        "location.priority",
    ]


async def test_products_create_get_update_list(inventory: Any) -> None:
    for sku in ["TEA-3", "TEA-1", "TEA-2"]:
        await inventory.add_product(sku, price=1200)
    got = await inventory.stub.GetProduct(pb.GetProductRequest(sku="TEA-1"), timeout=T)
    assert (got.name, got.price.amount, got.price.currency, got.weight_g) == (
        "Product TEA-1",
        1200,
        "CNY",
        500,
    )
    updated = await inventory.stub.UpdateProduct(
        pb.UpdateProductRequest(sku="TEA-1", price=0, name="Green tea"), timeout=T
    )
    assert (updated.name, updated.price.amount, updated.category) == ("Green tea", 0, "tea")

    page1 = await inventory.stub.ListProducts(
        pb.ListProductsRequest(page=PageRequest(limit=2)), timeout=T
    )
    assert [x.sku for x in page1.items] == ["TEA-1", "TEA-2"]
    assert page1.page.next_cursor
    page2 = await inventory.stub.ListProducts(
        pb.ListProductsRequest(page=PageRequest(limit=2, cursor=page1.page.next_cursor)),
        timeout=T,
    )
    assert [x.sku for x in page2.items] == ["TEA-3"]
    assert page2.page.next_cursor == ""

    batch = await inventory.stub.BatchGetProducts(
        pb.BatchGetProductsRequest(skus=["TEA-2", "TEA-1", "TEA-2"]), timeout=T
    )
    assert [x.sku for x in batch.items] == ["TEA-2", "TEA-1"]


async def test_product_errors(inventory: Any) -> None:
    await inventory.add_product("TEA-1")
    dup = await failure(inventory.add_product("TEA-1"))
    assert dup.code() == grpc.StatusCode.ALREADY_EXISTS

    bad = pb.Product(sku="", name="", price=Money(amount=-1), weight_g=-1)
    error = await failure(
        inventory.stub.CreateProduct(pb.CreateProductRequest(product=bad), timeout=T)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(error) == ["product.sku", "product.name", "product.price", "product.weight_g"]

    neg = await failure(
        inventory.stub.UpdateProduct(pb.UpdateProductRequest(sku="TEA-1", price=-5), timeout=T)
    )
    assert neg.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(neg) == ["price"]

    missing = await failure(inventory.stub.GetProduct(pb.GetProductRequest(sku="NOPE"), timeout=T))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    missing = await failure(
        inventory.stub.UpdateProduct(pb.UpdateProductRequest(sku="NOPE", name="x"), timeout=T)
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND

    unknown = await failure(
        inventory.stub.BatchGetProducts(
            pb.BatchGetProductsRequest(skus=["TEA-1", "NOPE", "ALSO-NOPE"]), timeout=T
        )
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    assert "NOPE, ALSO-NOPE" in (unknown.details() or "")

    cursor = await failure(
        inventory.stub.ListProducts(
            pb.ListProductsRequest(page=PageRequest(cursor="%%%")), timeout=T
        )
    )
    assert cursor.code() == grpc.StatusCode.INVALID_ARGUMENT
