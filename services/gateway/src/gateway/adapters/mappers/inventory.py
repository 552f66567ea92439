"""Stock levels and receipts."""

from __future__ import annotations

from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers.common import sku_qty
from gateway.schemas.inventory import ReceiptCreate, StockLevelPublic


def stock_level_out(level: inventory_pb2.StockLevel) -> StockLevelPublic:
    return StockLevelPublic(
        sku=level.sku,
        location_id=level.location_id,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=level.available,
        low_stock_threshold=level.low_stock_threshold,
    )


def receive_stock_request(body: ReceiptCreate, actor: str) -> inventory_pb2.ReceiveStockRequest:
    return inventory_pb2.ReceiveStockRequest(
        location_id=body.location_id,
        lines=sku_qty([(line.sku, line.qty) for line in body.lines]),
        reference=body.reference,
        actor=actor,
    )
