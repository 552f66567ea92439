from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chainkit.errors import PermissionDenied
from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers import inventory as mapper
from gateway.api.deps import InventoryDep, OrdersDep, StaffUser
from gateway.api.problems import documented
from gateway.schemas.common import Page
from gateway.schemas.inventory import ReceiptCreate, ReceiptPublic, StockLevelPublic

router = APIRouter(prefix="/v1/inventory", tags=["inventory"], responses=documented(401, 403, 503))

Filter = Annotated[str | None, Query(max_length=64)]


@router.get("", responses=documented(422))
async def list_stock_levels(
    _staff: StaffUser, inventory: InventoryDep, sku: Filter = None, location_id: Filter = None
) -> Page[StockLevelPublic]:
    reply = await inventory.list_stock_levels(
        inventory_pb2.ListStockLevelsRequest(sku=sku or "", location_id=location_id or "")
    )
    return Page(items=[mapper.stock_level_out(level) for level in reply.items])


@router.post("/receipts", status_code=201, responses=documented(404, 409, 422))
async def receive_stock(
    body: ReceiptCreate, user: StaffUser, inventory: InventoryDep, orders: OrdersDep
) -> ReceiptPublic:
    if user.role == "store":
        # Staff book goods in at their own store's location only.
        store = await orders.get_store(user.store_id or "")
        if store.location_id != body.location_id:
            raise PermissionDenied("store staff receive goods at their own store's location")
    reply = await inventory.receive_stock(mapper.receive_stock_request(body, user.username))
    return ReceiptPublic(
        location_id=body.location_id,
        reference=body.reference,
        levels=[mapper.stock_level_out(level) for level in reply.levels],
    )
