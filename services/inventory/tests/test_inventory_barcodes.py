"""Barcodes (EAN-13) and specifications (规格) on the item master, and the till's look-up."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import BadRequest

from chainkit.grpc_client import status_detail
from chainstore.common.v1.common_pb2 import Money
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.domain.barcode import barcode_problem, check_digit, is_ean13

T = 15.0
# Real-world-shaped codes with correct check digits (690-699: GS1 China prefixes).
COLA = "6901234567892"
TEA = "6920202888883"


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    detail = status_detail(error, BadRequest)
    assert detail is not None, error.details()
    return [v.field for v in detail.field_violations]


# The same digits typed with a Chinese input method's full-width digits: not a barcode.
FULLWIDTH = "4006381333931".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})


def test_ean13_check_digits() -> None:
    assert check_digit("400638133393") == 1  # 4006381333931, the textbook example
    assert is_ean13("4006381333931") and is_ean13(COLA) and is_ean13(TEA)
    assert barcode_problem("4006381333932") == "check digit is wrong (expected 1)"
    for bad in ("400638133393", "40063813339310", "40063813339a1", FULLWIDTH):
        assert barcode_problem(bad) == "an EAN-13 barcode is 13 digits", bad
    # Any single-digit slip changes the check digit: the rule catches every such typo.
    for i in range(12):
        for d in "0123456789":
            typo = COLA[:i] + d + COLA[i + 1 :]
            assert is_ean13(typo) == (typo == COLA)


def product(sku: str, barcode: str = "", spec: str = "") -> pb.CreateProductRequest:
    return pb.CreateProductRequest(
        product=pb.Product(
            sku=sku,
            name=f"Product {sku}",
            category="drinks",
            price=Money(amount=350, currency="CNY"),
            weight_g=550,
            barcode=barcode,
            spec=spec,
        )
    )


async def test_a_till_finds_a_product_by_its_barcode(inventory: Any) -> None:
    stub = inventory.stub
    created = await stub.CreateProduct(product("COLA-500", COLA, "500ml"), timeout=T)
    await stub.CreateProduct(product("WATER-1"), timeout=T)  # no barcode: fine, and not unique
    await stub.CreateProduct(product("WATER-2"), timeout=T)
    assert (created.barcode, created.spec) == (COLA, "500ml")

    found = await stub.GetProductByBarcode(pb.GetProductByBarcodeRequest(barcode=COLA), timeout=T)
    assert (found.sku, found.spec, found.price.amount) == ("COLA-500", "500ml", 350)
    missing = await failure(
        stub.GetProductByBarcode(pb.GetProductByBarcodeRequest(barcode=TEA), timeout=T)
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    typo = await failure(
        stub.GetProductByBarcode(pb.GetProductByBarcodeRequest(barcode="6901234567893"), timeout=T)
    )
    assert typo.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_fields(typo) == ["barcode"]

    # Re-labelled: the old code no longer finds it, the new one does; spec kept.
    moved = await stub.UpdateProduct(
        pb.UpdateProductRequest(sku="COLA-500", barcode=TEA), timeout=T
    )
    assert (moved.barcode, moved.spec) == (TEA, "500ml")
    gone = await failure(
        stub.GetProductByBarcode(pb.GetProductByBarcodeRequest(barcode=COLA), timeout=T)
    )
    assert gone.code() == grpc.StatusCode.NOT_FOUND
    cleared = await stub.UpdateProduct(
        pb.UpdateProductRequest(sku="COLA-500", barcode="", spec="330ml"), timeout=T
    )
    assert (cleared.barcode, cleared.spec) == ("", "330ml")
    listed = await stub.ListProducts(pb.ListProductsRequest(), timeout=T)
    assert {p.sku: p.spec for p in listed.items}["COLA-500"] == "330ml"


async def test_a_barcode_belongs_to_one_product_and_must_be_valid(inventory: Any) -> None:
    stub = inventory.stub
    await stub.CreateProduct(product("COLA-500", COLA), timeout=T)
    await stub.CreateProduct(product("TEA-250", TEA), timeout=T)

    twin = await failure(stub.CreateProduct(product("COLA-CAN", COLA), timeout=T))
    assert twin.code() == grpc.StatusCode.ALREADY_EXISTS and "COLA-500" in (twin.details() or "")
    steal = await failure(
        stub.UpdateProduct(pb.UpdateProductRequest(sku="TEA-250", barcode=COLA), timeout=T)
    )
    assert steal.code() == grpc.StatusCode.ALREADY_EXISTS
    # Saving a product with its own barcode again is no conflict.
    same = await stub.UpdateProduct(
        pb.UpdateProductRequest(sku="COLA-500", barcode=COLA), timeout=T
    )
    assert same.barcode == COLA

    wrong = await failure(stub.CreateProduct(product("X-1", "6901234567890", "x" * 101), timeout=T))
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(wrong) == ["product.barcode", "product.spec"]
    short = await failure(
        stub.UpdateProduct(pb.UpdateProductRequest(sku="TEA-250", barcode="12345"), timeout=T)
    )
    assert bad_fields(short) == ["barcode"]
