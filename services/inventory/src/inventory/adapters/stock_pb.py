"""Stock as inventory/v1 messages: one shape for our events' payloads (event_codec) and
the RPC answers (entrypoints.translate)."""

from __future__ import annotations

from collections.abc import Iterable

from chainstore.common.v1.common_pb2 import SkuQty as SkuQtyPb
from chainstore.inventory.v1 import inventory_pb2
from inventory.domain.allocation import Allocation
from inventory.domain.low_stock import Suggestion
from inventory.domain.model import SkuQty, StockLevel
from inventory.domain.transfer import Transfer, TransferState


def lines_pb(lines: Iterable[SkuQty]) -> list[SkuQtyPb]:
    return [SkuQtyPb(sku=x.sku, qty=x.qty) for x in lines]


def allocations_pb(allocations: Iterable[Allocation]) -> list[inventory_pb2.Allocation]:
    return [
        inventory_pb2.Allocation(location_id=a.location_id, sku=a.sku, qty=a.qty, reason=a.reason)
        for a in allocations
    ]


def level_pb(level: StockLevel) -> inventory_pb2.StockLevel:
    return inventory_pb2.StockLevel(
        sku=level.sku,
        location_id=level.location_id,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=level.available,
        low_stock_threshold=level.low_stock_threshold,
        in_transit=level.in_transit,
        low_stock=level.low_stock,
    )


def suggestion_pb(s: Suggestion) -> inventory_pb2.Replenishment:
    return inventory_pb2.Replenishment(
        from_location_id=s.from_location_id, qty=s.qty, reason=s.reason
    )


_TRANSFER_STATE = {
    TransferState.IN_TRANSIT: inventory_pb2.TRANSFER_STATE_IN_TRANSIT,
    TransferState.RECEIVED: inventory_pb2.TRANSFER_STATE_RECEIVED,
}


def transfer_pb(t: Transfer) -> inventory_pb2.Transfer:
    msg = inventory_pb2.Transfer(
        transfer_id=t.transfer_id,
        from_location_id=t.from_location_id,
        to_location_id=t.to_location_id,
        state=_TRANSFER_STATE[t.state],
        lines=[
            inventory_pb2.TransferLine(
                sku=x.sku, qty_shipped=x.qty_shipped, qty_received=x.qty_received
            )
            for x in t.lines
        ],
    )
    if t.created_at is not None:
        msg.created_at.FromDatetime(t.created_at)
    return msg
