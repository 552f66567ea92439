"""Item master and locations over gRPC: creation, look-ups, paging and validation."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import BadRequest

from chainkit.grpc_client import status_detail
from chainstore.common.v1.common_pb2 import Money, PageRequest
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    detail = status_detail(error, BadRequest)
    assert detail is not None, error.details()
    return [v.field for v in detail.field_violations]


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


async def test_location_placed_by_district_code_gets_names_and_region(inventory: Any) -> None:
    request = pb.CreateLocationRequest(
        location=pb.Location(
            location_id="WH-HZ",
            name="Hangzhou warehouse",
            kind=pb.LOCATION_KIND_WAREHOUSE,
            district_code="330106",
        )
    )
    made = await inventory.stub.CreateLocation(request, timeout=T)
    listed = await inventory.stub.ListLocations(pb.ListLocationsRequest(), timeout=T)
    for loc in (made, listed.items[0]):
        place = (loc.region, loc.province_code, loc.province, loc.city_code, loc.city)
        assert place == ("华东", "330000", "浙江省", "330100", "杭州市")
        assert (loc.district_code, loc.district) == ("330106", "西湖区")


async def test_location_codes_are_checked_against_the_division_table(inventory: Any) -> None:
    cases = {
        ("", "", "339999"): "location.district_code",  # not in the table
        ("110000", "", "330106"): "location.province_code",  # 西湖区 is not in 北京
        ("", "", "330100"): "location.district_code",  # a city, not a district
    }
    for (province, city, district), field in cases.items():
        location = pb.Location(
            location_id="X",
            name="x",
            kind=pb.LOCATION_KIND_STORE,
            province_code=province,
            city_code=city,
            district_code=district,
        )
        error = await failure(
            inventory.stub.CreateLocation(pb.CreateLocationRequest(location=location), timeout=T)
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(error) == [field]
    wrong_region = pb.Location(
        location_id="X", name="x", kind=pb.LOCATION_KIND_STORE, region="华北", city_code="330100"
    )
    error = await failure(
        inventory.stub.CreateLocation(pb.CreateLocationRequest(location=wrong_region), timeout=T)
    )
    assert bad_fields(error) == ["location.region"]
    assert "浙江省 is in 华东" in error.details()


async def test_a_location_placed_by_text_keeps_its_region_and_city(inventory: Any) -> None:
    made = await inventory.add_location("WH-OLD", region="north")
    assert (made.region, made.city, made.province_code, made.city_code) == (
        "华北",
        "Shanghai",
        "",
        "",
    )
