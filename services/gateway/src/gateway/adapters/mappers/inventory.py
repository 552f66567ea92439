"""Stock levels, receipts, transfers, low-stock rows and ledger lines."""

from __future__ import annotations

from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers.common import lookup, sku_qty, time_of
from gateway.schemas.inventory import (
    LowStockPublic,
    MovementPublic,
    ReceiptCreate,
    ReplenishmentPublic,
    StockLevelPublic,
    TransferLinePublic,
    TransferPublic,
)


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


_TRANSFER_STATUS = {
    inventory_pb2.TRANSFER_STATE_IN_TRANSIT: "in_transit",
    inventory_pb2.TRANSFER_STATE_RECEIVED: "received",
}


def transfer_out(t: inventory_pb2.Transfer) -> TransferPublic:
    return TransferPublic(
        transfer_id=t.transfer_id,
        from_location_id=t.from_location_id,
        to_location_id=t.to_location_id,
        status=lookup(_TRANSFER_STATUS, t.state, "transfer state"),
        lines=[
            TransferLinePublic(
                sku=x.sku,
                qty_shipped=x.qty_shipped,
                qty_received=x.qty_received,
                in_transit=x.qty_shipped - x.qty_received,
            )
            for x in t.lines
        ],
        created_at=time_of(t, "created_at"),
    )


def low_stock_out(row: inventory_pb2.LowStockRow) -> LowStockPublic:
    suggestion = None
    if row.HasField("suggestion"):
        s = row.suggestion
        suggestion = ReplenishmentPublic(
            from_location_id=s.from_location_id, qty=s.qty, reason=s.reason
        )
    base = stock_level_out(row.level)
    return LowStockPublic(
        **base.model_dump(), in_transit=row.level.in_transit, suggestion=suggestion
    )


def movement_out(m: inventory_pb2.Movement) -> MovementPublic:
    return MovementPublic(
        movement_id=m.movement_id,
        sku=m.sku,
        location_id=m.location_id,
        kind=m.kind,
        reference=m.reference,
        on_hand_delta=m.on_hand_delta,
        reserved_delta=m.reserved_delta,
        actor=m.actor,
        reason=m.reason,
        created_at=time_of(m, "created_at"),
    )
