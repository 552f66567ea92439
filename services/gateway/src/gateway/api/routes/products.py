from __future__ import annotations

from typing import Annotated

import grpc
from fastapi import APIRouter, Path, Query

from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers import master_data
from gateway.adapters.mappers.common import next_cursor, page_request
from gateway.api.deps import CurrentUser, CursorQuery, HqUser, InventoryDep, LimitQuery
from gateway.api.problems import documented
from gateway.schemas.common import Id, Page
from gateway.schemas.master_data import ProductCreate, ProductPublic, ProductUpdate

BARCODE = r"^[0-9]{13}$"
BarcodeQuery = Annotated[
    str | None,
    Query(pattern=BARCODE, description="EAN-13: the product carrying it (a till's scan)"),
]

router = APIRouter(prefix="/v1/products", tags=["products"], responses=documented(401, 503))


@router.post("", status_code=201, responses=documented(403, 409, 422))
async def create_product(
    body: ProductCreate, _hq: HqUser, inventory: InventoryDep
) -> ProductPublic:
    product = await inventory.CreateProduct(master_data.create_product_request(body))
    return master_data.product_out(product)


@router.get("", responses=documented(422))
async def list_products(
    _user: CurrentUser,
    inventory: InventoryDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    barcode: BarcodeQuery = None,
) -> Page[ProductPublic]:
    """The item master by SKU; with `barcode`, the one product a till scanned (or none)."""
    if barcode is not None:
        try:
            return Page(
                items=[
                    master_data.product_out(
                        await inventory.GetProductByBarcode(
                            inventory_pb2.GetProductByBarcodeRequest(barcode=barcode)
                        )
                    )
                ]
            )
        except grpc.aio.AioRpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return Page(items=[])
    reply = await inventory.ListProducts(
        inventory_pb2.ListProductsRequest(page=page_request(limit, cursor))
    )
    return Page(
        items=[master_data.product_out(p) for p in reply.items],
        next_cursor=next_cursor(reply.page),
    )


@router.get("/by-barcode/{barcode}", responses=documented(404, 422))
async def get_product_by_barcode(
    barcode: Annotated[str, Path(pattern=BARCODE, description="EAN-13, as scanned")],
    _user: CurrentUser,
    inventory: InventoryDep,
) -> ProductPublic:
    """The product a till scanned: 404 when no product carries the code."""
    return master_data.product_out(
        await inventory.GetProductByBarcode(
            inventory_pb2.GetProductByBarcodeRequest(barcode=barcode)
        )
    )


@router.get("/{sku}", responses=documented(404))
async def get_product(sku: Id, _user: CurrentUser, inventory: InventoryDep) -> ProductPublic:
    return master_data.product_out(
        await inventory.GetProduct(inventory_pb2.GetProductRequest(sku=sku))
    )


@router.patch("/{sku}", responses=documented(403, 404, 422))
async def update_product(
    sku: Id, body: ProductUpdate, _hq: HqUser, inventory: InventoryDep
) -> ProductPublic:
    product = await inventory.UpdateProduct(master_data.update_product_request(sku, body))
    return master_data.product_out(product)
