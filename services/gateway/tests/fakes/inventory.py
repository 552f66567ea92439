"""A fake inventory service: the item master and locations it is given, stock answers
made up from the request."""

from __future__ import annotations

from chainkit.errors import NotFound
from chainstore.common.v1 import common_pb2
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc

from .common import NOW, Context, Recorder, named, ts


class FakeInventory(inventory_pb2_grpc.InventoryServiceServicer, Recorder):
    def __init__(self) -> None:
        Recorder.__init__(self)
        self.products: dict[str, inventory_pb2.Product] = {}
        self.locations: dict[str, inventory_pb2.Location] = {}
        self.transfers: dict[str, inventory_pb2.Transfer] = {}

    async def CreateLocation(
        self, request: inventory_pb2.CreateLocationRequest, context: Context
    ) -> inventory_pb2.Location:
        await self.record("CreateLocation", request)
        location = inventory_pb2.Location()
        location.CopyFrom(request.location)
        named(location)
        location.share_online = (
            request.share_online
            if request.HasField("share_online")
            else location.kind == inventory_pb2.LOCATION_KIND_WAREHOUSE
        )
        self.locations[location.location_id] = location
        return location

    async def ListLocations(
        self, request: inventory_pb2.ListLocationsRequest, context: Context
    ) -> inventory_pb2.ListLocationsResponse:
        await self.record("ListLocations", request)
        return inventory_pb2.ListLocationsResponse(
            items=list(self.locations.values()),
            page=common_pb2.PageInfo(next_cursor="loc-next" if request.page.limit else ""),
        )

    async def CreateProduct(
        self, request: inventory_pb2.CreateProductRequest, context: Context
    ) -> inventory_pb2.Product:
        await self.record("CreateProduct", request)
        self.products[request.product.sku] = request.product
        return request.product

    async def GetProduct(
        self, request: inventory_pb2.GetProductRequest, context: Context
    ) -> inventory_pb2.Product:
        await self.record("GetProduct", request)
        if request.sku not in self.products:
            raise NotFound(f"no product {request.sku!r}")
        return self.products[request.sku]

    async def GetProductByBarcode(
        self, request: inventory_pb2.GetProductByBarcodeRequest, context: Context
    ) -> inventory_pb2.Product:
        await self.record("GetProductByBarcode", request)
        for product in self.products.values():
            if request.barcode and product.barcode == request.barcode:
                return product
        raise NotFound(f"no product has barcode {request.barcode}")

    async def UpdateProduct(
        self, request: inventory_pb2.UpdateProductRequest, context: Context
    ) -> inventory_pb2.Product:
        await self.record("UpdateProduct", request)
        product = self.products[request.sku]
        if request.HasField("price"):
            product.price.amount = request.price
        for name in ("name", "barcode", "spec"):
            if request.HasField(name):
                setattr(product, name, getattr(request, name))
        return product

    async def ListProducts(
        self, request: inventory_pb2.ListProductsRequest, context: Context
    ) -> inventory_pb2.ListProductsResponse:
        await self.record("ListProducts", request)
        items = list(self.products.values())[: request.page.limit]
        return inventory_pb2.ListProductsResponse(
            items=items, page=common_pb2.PageInfo(next_cursor="next-1")
        )

    async def ReceiveStock(
        self, request: inventory_pb2.ReceiveStockRequest, context: Context
    ) -> inventory_pb2.ReceiveStockResponse:
        await self.record("ReceiveStock", request)
        levels = [
            inventory_pb2.StockLevel(
                sku=line.sku, location_id=request.location_id, on_hand=line.qty, available=line.qty
            )
            for line in request.lines
        ]
        return inventory_pb2.ReceiveStockResponse(levels=levels)

    async def ListStockLevels(
        self, request: inventory_pb2.ListStockLevelsRequest, context: Context
    ) -> inventory_pb2.ListStockLevelsResponse:
        await self.record("ListStockLevels", request)
        level = inventory_pb2.StockLevel(
            sku=request.sku or "SKU-1",
            location_id=request.location_id or "WH-1",
            on_hand=10,
            reserved=3,
            available=7,
            low_stock_threshold=2,
        )
        return inventory_pb2.ListStockLevelsResponse(
            items=[level], page=common_pb2.PageInfo(next_cursor="lvl-next")
        )

    # Stock operations: enough behaviour to test the gateway's translation.
    async def AdjustStock(
        self, request: inventory_pb2.AdjustStockRequest, context: Context
    ) -> inventory_pb2.AdjustStockResponse:
        await self.record("AdjustStock", request)
        level = inventory_pb2.StockLevel(
            sku=request.sku, location_id=request.location_id, on_hand=10 + request.delta
        )
        level.available = level.on_hand
        return inventory_pb2.AdjustStockResponse(level=level)

    def _transfer(
        self, request: inventory_pb2.CreateTransferRequest, received: int = 0
    ) -> inventory_pb2.Transfer:
        lines = [
            inventory_pb2.TransferLine(sku=x.sku, qty_shipped=x.qty, qty_received=received)
            for x in request.lines
        ]
        return inventory_pb2.Transfer(
            transfer_id=request.transfer_id,
            from_location_id=request.from_location_id,
            to_location_id=request.to_location_id,
            state=inventory_pb2.TRANSFER_STATE_IN_TRANSIT,
            lines=lines,
            created_at=ts(NOW),
        )

    async def CreateTransfer(
        self, request: inventory_pb2.CreateTransferRequest, context: Context
    ) -> inventory_pb2.Transfer:
        await self.record("CreateTransfer", request)
        transfer = self._transfer(request)
        self.transfers[request.transfer_id] = transfer
        return transfer

    async def GetTransfer(
        self, request: inventory_pb2.GetTransferRequest, context: Context
    ) -> inventory_pb2.Transfer:
        await self.record("GetTransfer", request)
        if request.transfer_id not in self.transfers:
            raise NotFound(f"no transfer {request.transfer_id!r}")
        return self.transfers[request.transfer_id]

    async def ReceiveTransfer(
        self, request: inventory_pb2.ReceiveTransferRequest, context: Context
    ) -> inventory_pb2.Transfer:
        await self.record("ReceiveTransfer", request)
        transfer = inventory_pb2.Transfer()
        transfer.CopyFrom(self.transfers[request.transfer_id])
        for line in transfer.lines:
            line.qty_received = line.qty_shipped
        transfer.state = inventory_pb2.TRANSFER_STATE_RECEIVED
        return transfer

    async def SetThreshold(
        self, request: inventory_pb2.SetThresholdRequest, context: Context
    ) -> inventory_pb2.StockLevel:
        await self.record("SetThreshold", request)
        return inventory_pb2.StockLevel(
            sku=request.sku,
            location_id=request.location_id,
            low_stock_threshold=request.low_stock_threshold,
        )

    async def ListLowStock(
        self, request: inventory_pb2.ListLowStockRequest, context: Context
    ) -> inventory_pb2.ListLowStockResponse:
        await self.record("ListLowStock", request)
        level = inventory_pb2.StockLevel(
            sku="SKU-1",
            location_id=request.location_id or "WH-1",
            on_hand=2,
            available=2,
            low_stock_threshold=5,
            in_transit=4,
            low_stock=True,
        )
        row = inventory_pb2.LowStockRow(
            level=level,
            suggestion=inventory_pb2.Replenishment(
                from_location_id="WH-2", qty=8, reason="nearest with surplus: 12.0 km away"
            ),
        )
        return inventory_pb2.ListLowStockResponse(
            items=[row], page=common_pb2.PageInfo(next_cursor="low-next")
        )

    async def ListMovements(
        self, request: inventory_pb2.ListMovementsRequest, context: Context
    ) -> inventory_pb2.ListMovementsResponse:
        await self.record("ListMovements", request)
        items = [
            inventory_pb2.Movement(
                movement_id=n,
                sku="SKU-1",
                location_id=request.location_id or "WH-1",
                kind="receipt",
                reference="PO-1",
                on_hand_delta=n,
                actor="hq",
                created_at=ts(NOW),
            )
            for n in (3, 2)
        ]
        page = common_pb2.PageInfo(next_cursor="" if request.page.cursor else "mv-next")
        return inventory_pb2.ListMovementsResponse(items=items, page=page)
