"""gRPC methods for stock operations: adjustments, transfers, thresholds and low stock, the
ledger. Translation only; the use cases hold the rules."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.adapters.stock_pb import level_pb, suggestion_pb, transfer_pb
from inventory.domain.transfer import TransferState
from inventory.entrypoints import cursors
from inventory.entrypoints import translate as tr
from inventory.service_layer import alerts, ledger, stock, transfers
from inventory.service_layer.deps import Deps

Ctx: TypeAlias = grpc.aio.ServicerContext


class StockOperations:
    """Mixed into the InventoryServicer."""

    _deps: Deps

    async def AdjustStock(
        self, request: pb.AdjustStockRequest, context: Ctx
    ) -> pb.AdjustStockResponse:
        level = await stock.adjust_stock(
            self._deps,
            location_id=request.location_id,
            sku=request.sku,
            delta=request.delta,
            reason=request.reason,
            actor=request.actor,
            adjustment_id=request.adjustment_id,
        )
        return pb.AdjustStockResponse(level=level_pb(level))

    async def CreateTransfer(self, request: pb.CreateTransferRequest, context: Ctx) -> pb.Transfer:
        done = await transfers.create_transfer(
            self._deps,
            transfer_id=request.transfer_id,
            from_location_id=request.from_location_id,
            to_location_id=request.to_location_id,
            lines=tr.lines_from_pb(request.lines),
            actor=request.actor,
        )
        return transfer_pb(done)

    async def ReceiveTransfer(
        self, request: pb.ReceiveTransferRequest, context: Ctx
    ) -> pb.Transfer:
        done = await transfers.receive_transfer(
            self._deps,
            transfer_id=request.transfer_id,
            lines=tr.lines_from_pb(request.lines),
            receipt_id=request.receipt_id,
            actor=request.actor,
        )
        return transfer_pb(done)

    async def GetTransfer(self, request: pb.GetTransferRequest, context: Ctx) -> pb.Transfer:
        return transfer_pb(await transfers.get_transfer(self._deps, request.transfer_id))

    async def ListTransfers(
        self, request: pb.ListTransfersRequest, context: Ctx
    ) -> pb.ListTransfersResponse:
        state = (
            TransferState.RECEIVED
            if request.state == pb.TRANSFER_STATE_RECEIVED
            else TransferState.IN_TRANSIT
        )
        found = await transfers.list_transfers(
            self._deps, request.to_location_id, state, request.limit or 50
        )
        return pb.ListTransfersResponse(items=[transfer_pb(t) for t in found])

    async def SetThreshold(self, request: pb.SetThresholdRequest, context: Ctx) -> pb.StockLevel:
        level = await alerts.set_threshold(
            self._deps,
            location_id=request.location_id,
            sku=request.sku,
            threshold=request.low_stock_threshold,
        )
        return level_pb(level)

    async def ListLowStock(
        self, request: pb.ListLowStockRequest, context: Ctx
    ) -> pb.ListLowStockResponse:
        rows, last = await alerts.list_low_stock(
            self._deps,
            sku=request.sku,
            location_id=request.location_id,
            after=cursors.decode_pair(request.page.cursor, cursors.LOW_STOCK_TAG),
            limit=request.page.limit,
        )
        out = pb.ListLowStockResponse()
        out.page.next_cursor = cursors.encode_pair(last, cursors.LOW_STOCK_TAG)
        for row in rows:
            item = out.items.add(level=level_pb(row.level))
            if row.suggestion is not None:
                item.suggestion.CopyFrom(suggestion_pb(row.suggestion))
        return out

    async def ListMovements(
        self, request: pb.ListMovementsRequest, context: Ctx
    ) -> pb.ListMovementsResponse:
        items, last = await ledger.list_movements(
            self._deps,
            sku=request.sku,
            location_id=request.location_id,
            before_id=cursors.decode_movement(request.page.cursor),
            limit=request.page.limit,
        )
        response = pb.ListMovementsResponse(items=[tr.movement_to_pb(x) for x in items])
        response.page.next_cursor = cursors.encode_movement(last)
        return response
