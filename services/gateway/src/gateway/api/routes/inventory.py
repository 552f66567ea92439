from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from chainkit.errors import NotFound, PermissionDenied
from chainstore.inventory.v1 import inventory_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.grpc_clients import OrdersClient
from gateway.adapters.mappers import inventory as mapper
from gateway.adapters.mappers.common import next_cursor, page_request, sku_qty
from gateway.api.deps import (
    CursorQuery,
    IdempotencyKey,
    InventoryDep,
    LimitQuery,
    OrdersDep,
    StaffUser,
)
from gateway.api.problems import documented
from gateway.core.security import Principal
from gateway.schemas.common import Page
from gateway.schemas.inventory import (
    AdjustmentCreate,
    AdjustmentPublic,
    LowStockPublic,
    MovementPublic,
    ReceiptCreate,
    ReceiptPublic,
    StockLevelPublic,
    ThresholdSet,
    TransferCreate,
    TransferPublic,
    TransferReceive,
)

router = APIRouter(prefix="/v1/inventory", tags=["inventory"], responses=documented(401, 403, 503))

Filter = Annotated[str | None, Query(max_length=64)]


@router.get("", responses=documented(422))
async def list_stock_levels(
    _staff: StaffUser,
    inventory: InventoryDep,
    sku: Filter = None,
    location_id: Filter = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[StockLevelPublic]:
    """Stock levels by location then SKU, a page at a time."""
    reply = await inventory.ListStockLevels(
        inventory_pb2.ListStockLevelsRequest(
            sku=sku or "", location_id=location_id or "", page=page_request(limit, cursor)
        )
    )
    return Page(
        items=[mapper.stock_level_out(level) for level in reply.items],
        next_cursor=next_cursor(reply.page),
    )


@router.post("/receipts", status_code=201, responses=documented(404, 409, 422))
async def receive_stock(
    body: ReceiptCreate, user: StaffUser, inventory: InventoryDep, orders: OrdersDep
) -> ReceiptPublic:
    if user.role == "store":
        # Staff book goods in at their own store's location only.
        store = await orders.GetStore(orders_pb2.GetStoreRequest(store_id=user.store_id or ""))
        if store.location_id != body.location_id:
            raise PermissionDenied("store staff receive goods at their own store's location")
    reply = await inventory.ReceiveStock(mapper.receive_stock_request(body, user.username))
    return ReceiptPublic(
        location_id=body.location_id,
        reference=body.reference,
        levels=[mapper.stock_level_out(level) for level in reply.levels],
    )


# Command ids inventory deduplicates on, derived from the caller's Idempotency-Key so a retry
# of the same request is applied once; without a key every request is a new command.
_IDS = uuid.UUID("6f1c2a6e-1d3b-4a8e-9f57-0c1d2e3f4a5b")


def command_id(user: Principal, key: str | None, kind: str) -> str:
    if not key:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_IDS, f"{kind}:{user.username}:{key}"))


async def own_location(user: Principal, orders: OrdersClient) -> str | None:
    """The store's location for store staff (they act only there); None for hq."""
    if user.role != "store":
        return None
    store = await orders.GetStore(orders_pb2.GetStoreRequest(store_id=user.store_id or ""))
    return store.location_id


async def require_own(user: Principal, orders: OrdersClient, location_id: str, what: str) -> None:
    own = await own_location(user, orders)
    if own is not None and own != location_id:
        raise PermissionDenied(f"store staff {what} at their own store's location only")


@router.post("/adjustments", status_code=201, responses=documented(404, 409, 422))
async def adjust_stock(
    body: AdjustmentCreate,
    user: StaffUser,
    inventory: InventoryDep,
    orders: OrdersDep,
    key: IdempotencyKey = None,
) -> AdjustmentPublic:
    await require_own(user, orders, body.location_id, "adjust stock")
    adjustment_id = command_id(user, key, "adjustment")
    reply = await inventory.AdjustStock(
        inventory_pb2.AdjustStockRequest(
            location_id=body.location_id,
            sku=body.sku,
            delta=body.delta,
            reason=body.reason,
            actor=user.username,
            adjustment_id=adjustment_id,
        )
    )
    return AdjustmentPublic(adjustment_id=adjustment_id, level=mapper.stock_level_out(reply.level))


@router.post("/transfers", status_code=201, responses=documented(404, 409, 422))
async def create_transfer(
    body: TransferCreate,
    user: StaffUser,
    inventory: InventoryDep,
    orders: OrdersDep,
    key: IdempotencyKey = None,
) -> TransferPublic:
    await require_own(user, orders, body.from_location_id, "ship transfers")
    reply = await inventory.CreateTransfer(
        inventory_pb2.CreateTransferRequest(
            transfer_id=command_id(user, key, "transfer"),
            from_location_id=body.from_location_id,
            to_location_id=body.to_location_id,
            lines=sku_qty([(x.sku, x.qty) for x in body.lines]),
            actor=user.username,
        )
    )
    return mapper.transfer_out(reply)


TransferId = Annotated[str, Path(max_length=64)]


@router.post("/transfers/{transfer_id}/receive", responses=documented(404, 422))
async def receive_transfer(
    transfer_id: TransferId,
    user: StaffUser,
    inventory: InventoryDep,
    orders: OrdersDep,
    body: TransferReceive | None = None,
    key: IdempotencyKey = None,
) -> TransferPublic:
    transfer = await inventory.GetTransfer(
        inventory_pb2.GetTransferRequest(transfer_id=transfer_id)
    )
    own = await own_location(user, orders)
    if own is not None and own != transfer.to_location_id:
        # Another store's transfer: not found, never "forbidden" (its id would be confirmed).
        raise NotFound(f"transfer {transfer_id} not found")
    lines = body.lines if body else []
    reply = await inventory.ReceiveTransfer(
        inventory_pb2.ReceiveTransferRequest(
            transfer_id=transfer_id,
            lines=sku_qty([(x.sku, x.qty) for x in lines]),
            receipt_id=command_id(user, key, "receipt") if key else "",
            actor=user.username,
        )
    )
    return mapper.transfer_out(reply)


@router.put("/thresholds", responses=documented(404, 422))
async def set_threshold(
    body: ThresholdSet, user: StaffUser, inventory: InventoryDep, orders: OrdersDep
) -> StockLevelPublic:
    await require_own(user, orders, body.location_id, "set thresholds")
    reply = await inventory.SetThreshold(
        inventory_pb2.SetThresholdRequest(
            location_id=body.location_id,
            sku=body.sku,
            low_stock_threshold=body.low_stock_threshold,
        )
    )
    return mapper.stock_level_out(reply)


async def _scoped(user: Principal, orders: OrdersClient, location_id: str | None) -> str:
    own = await own_location(user, orders)
    if own is not None and location_id and location_id != own:
        raise PermissionDenied("store staff see their own store's location only")
    return own or location_id or ""


@router.get("/low-stock", responses=documented(422))
async def list_low_stock(
    user: StaffUser,
    inventory: InventoryDep,
    orders: OrdersDep,
    sku: Filter = None,
    location_id: Filter = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[LowStockPublic]:
    reply = await inventory.ListLowStock(
        inventory_pb2.ListLowStockRequest(
            sku=sku or "",
            location_id=await _scoped(user, orders, location_id),
            page=page_request(limit, cursor),
        )
    )
    return Page(
        items=[mapper.low_stock_out(row) for row in reply.items],
        next_cursor=next_cursor(reply.page),
    )


@router.get("/movements", responses=documented(422))
async def list_movements(
    user: StaffUser,
    inventory: InventoryDep,
    orders: OrdersDep,
    sku: Filter = None,
    location_id: Filter = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[MovementPublic]:
    """The stock ledger, newest first."""
    reply = await inventory.ListMovements(
        inventory_pb2.ListMovementsRequest(
            sku=sku or "",
            location_id=await _scoped(user, orders, location_id),
            page=page_request(limit, cursor),
        )
    )
    return Page(
        items=[mapper.movement_out(m) for m in reply.items], next_cursor=next_cursor(reply.page)
    )
