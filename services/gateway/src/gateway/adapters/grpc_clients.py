"""Typed gRPC clients of the three services. Every call carries a deadline (`timeout=`).

Errors are not caught here: `grpc.aio.AioRpcError` reaches the one mapping in
`gateway.api.problems`, which turns status codes and details into problem responses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.batching import Batcher
from chainkit.grpc_client import error_of, open_channel
from chainkit.logging import current_correlation_id
from chainkit.metrics import CLIENT_RPCS
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from chainstore.logistics.v1 import logistics_pb2, logistics_pb2_grpc
from chainstore.orders.v1 import orders_pb2, orders_pb2_grpc


class InventoryClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self._t = timeout_s

    async def create_location(
        self, request: inventory_pb2.CreateLocationRequest
    ) -> inventory_pb2.Location:
        response: inventory_pb2.Location = await self._stub.CreateLocation(request, timeout=self._t)
        return response

    async def list_locations(
        self, request: inventory_pb2.ListLocationsRequest | None = None
    ) -> inventory_pb2.ListLocationsResponse:
        """Every location without a request (or page limit 0); one page with a limit."""
        response: inventory_pb2.ListLocationsResponse = await self._stub.ListLocations(
            request or inventory_pb2.ListLocationsRequest(), timeout=self._t
        )
        return response

    async def create_product(
        self, request: inventory_pb2.CreateProductRequest
    ) -> inventory_pb2.Product:
        response: inventory_pb2.Product = await self._stub.CreateProduct(request, timeout=self._t)
        return response

    async def update_product(
        self, request: inventory_pb2.UpdateProductRequest
    ) -> inventory_pb2.Product:
        response: inventory_pb2.Product = await self._stub.UpdateProduct(request, timeout=self._t)
        return response

    async def get_product(self, sku: str) -> inventory_pb2.Product:
        response: inventory_pb2.Product = await self._stub.GetProduct(
            inventory_pb2.GetProductRequest(sku=sku), timeout=self._t
        )
        return response

    async def get_product_by_barcode(self, barcode: str) -> inventory_pb2.Product:
        response: inventory_pb2.Product = await self._stub.GetProductByBarcode(
            inventory_pb2.GetProductByBarcodeRequest(barcode=barcode), timeout=self._t
        )
        return response

    async def list_products(
        self, request: inventory_pb2.ListProductsRequest
    ) -> inventory_pb2.ListProductsResponse:
        response: inventory_pb2.ListProductsResponse = await self._stub.ListProducts(
            request, timeout=self._t
        )
        return response

    async def receive_stock(
        self, request: inventory_pb2.ReceiveStockRequest
    ) -> inventory_pb2.ReceiveStockResponse:
        response: inventory_pb2.ReceiveStockResponse = await self._stub.ReceiveStock(
            request, timeout=self._t
        )
        return response

    async def list_stock_levels(
        self, request: inventory_pb2.ListStockLevelsRequest
    ) -> inventory_pb2.ListStockLevelsResponse:
        response: inventory_pb2.ListStockLevelsResponse = await self._stub.ListStockLevels(
            request, timeout=self._t
        )
        return response

    async def adjust_stock(
        self, request: inventory_pb2.AdjustStockRequest
    ) -> inventory_pb2.AdjustStockResponse:
        response: inventory_pb2.AdjustStockResponse = await self._stub.AdjustStock(
            request, timeout=self._t
        )
        return response

    async def create_transfer(
        self, request: inventory_pb2.CreateTransferRequest
    ) -> inventory_pb2.Transfer:
        response: inventory_pb2.Transfer = await self._stub.CreateTransfer(request, timeout=self._t)
        return response

    async def receive_transfer(
        self, request: inventory_pb2.ReceiveTransferRequest
    ) -> inventory_pb2.Transfer:
        response: inventory_pb2.Transfer = await self._stub.ReceiveTransfer(
            request, timeout=self._t
        )
        return response

    async def get_transfer(self, transfer_id: str) -> inventory_pb2.Transfer:
        response: inventory_pb2.Transfer = await self._stub.GetTransfer(
            inventory_pb2.GetTransferRequest(transfer_id=transfer_id), timeout=self._t
        )
        return response

    async def list_transfers(
        self, request: inventory_pb2.ListTransfersRequest
    ) -> inventory_pb2.ListTransfersResponse:
        response: inventory_pb2.ListTransfersResponse = await self._stub.ListTransfers(
            request, timeout=self._t
        )
        return response

    async def set_threshold(
        self, request: inventory_pb2.SetThresholdRequest
    ) -> inventory_pb2.StockLevel:
        response: inventory_pb2.StockLevel = await self._stub.SetThreshold(request, timeout=self._t)
        return response

    async def list_low_stock(
        self, request: inventory_pb2.ListLowStockRequest
    ) -> inventory_pb2.ListLowStockResponse:
        response: inventory_pb2.ListLowStockResponse = await self._stub.ListLowStock(
            request, timeout=self._t
        )
        return response

    async def list_movements(
        self, request: inventory_pb2.ListMovementsRequest
    ) -> inventory_pb2.ListMovementsResponse:
        response: inventory_pb2.ListMovementsResponse = await self._stub.ListMovements(
            request, timeout=self._t
        )
        return response


# CreateOrders calls out at once per gateway process: enough to keep orders busy while
# earlier batches wait on their reservations and commits. A call takes what is queued when
# it leaves, without waiting for more (orders gathers where it pays: at its commit).
PLACEMENT_CALLS = 4


class OrdersClient:
    """Placements made at the same moment go to orders in one CreateOrders call (see
    chainkit.batching): each is answered on its own, a refusal raised as the AioRpcError its
    own CreateOrder would have raised, so the one mapping in gateway.api.problems serves."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._stub = orders_pb2_grpc.OrdersServiceStub(channel)
        self._t = timeout_s
        self._placements: Batcher[orders_pb2.CreateOrderRequest, orders_pb2.Order] = Batcher(
            self._create_orders, in_flight=PLACEMENT_CALLS, gather_max_s=0
        )

    async def create_store(self, request: orders_pb2.CreateStoreRequest) -> orders_pb2.Store:
        response: orders_pb2.Store = await self._stub.CreateStore(request, timeout=self._t)
        return response

    async def get_store(self, store_id: str) -> orders_pb2.Store:
        response: orders_pb2.Store = await self._stub.GetStore(
            orders_pb2.GetStoreRequest(store_id=store_id), timeout=self._t
        )
        return response

    async def list_stores(
        self, request: orders_pb2.ListStoresRequest | None = None
    ) -> orders_pb2.ListStoresResponse:
        """Every store without a request (or page limit 0); one page with a limit."""
        response: orders_pb2.ListStoresResponse = await self._stub.ListStores(
            request or orders_pb2.ListStoresRequest(), timeout=self._t
        )
        return response

    async def update_store(self, request: orders_pb2.UpdateStoreRequest) -> orders_pb2.Store:
        response: orders_pb2.Store = await self._stub.UpdateStore(request, timeout=self._t)
        return response

    async def create_order(self, request: orders_pb2.CreateOrderRequest) -> orders_pb2.Order:
        # The shared call carries one request's correlation id; each order names its own.
        request.correlation_id = current_correlation_id()
        return await self._placements.submit(request)

    async def _create_orders(
        self, requests: Sequence[orders_pb2.CreateOrderRequest]
    ) -> list[orders_pb2.Order | BaseException]:
        reply: orders_pb2.CreateOrdersResponse = await self._stub.CreateOrders(
            orders_pb2.CreateOrdersRequest(items=requests), timeout=self._t
        )
        return [
            error_of(answer.refusal) if answer.HasField("refusal") else answer.order
            for answer in reply.answers
        ]

    async def get_order(self, request: orders_pb2.GetOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.GetOrder(request, timeout=self._t)
        return response

    async def get_receipt(self, request: orders_pb2.GetReceiptRequest) -> orders_pb2.Receipt:
        response: orders_pb2.Receipt = await self._stub.GetReceipt(request, timeout=self._t)
        return response

    async def list_orders(
        self, request: orders_pb2.ListOrdersRequest
    ) -> orders_pb2.ListOrdersResponse:
        response: orders_pb2.ListOrdersResponse = await self._stub.ListOrders(
            request, timeout=self._t
        )
        return response

    async def pay_order(self, request: orders_pb2.PayOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.PayOrder(request, timeout=self._t)
        return response

    async def cancel_order(self, request: orders_pb2.CancelOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.CancelOrder(request, timeout=self._t)
        return response

    async def confirm_order(self, request: orders_pb2.ConfirmOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.ConfirmOrder(request, timeout=self._t)
        return response

    async def ship_order(self, request: orders_pb2.ShipOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.ShipOrder(request, timeout=self._t)
        return response

    async def quote_shipping(
        self, request: orders_pb2.QuoteShippingRequest
    ) -> orders_pb2.QuoteShippingResponse:
        response: orders_pb2.QuoteShippingResponse = await self._stub.QuoteShipping(
            request, timeout=self._t
        )
        return response

    async def receive_order(self, request: orders_pb2.ReceiveOrderRequest) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.ReceiveOrder(request, timeout=self._t)
        return response

    async def update_shipping_address(
        self, request: orders_pb2.UpdateShippingAddressRequest
    ) -> orders_pb2.Order:
        response: orders_pb2.Order = await self._stub.UpdateShippingAddress(
            request, timeout=self._t
        )
        return response

    async def analytics_summary(
        self, request: orders_pb2.AnalyticsSummaryRequest
    ) -> orders_pb2.AnalyticsSummary:
        response: orders_pb2.AnalyticsSummary = await self._stub.GetAnalyticsSummary(
            request, timeout=self._t
        )
        return response

    async def sales(self, request: orders_pb2.SalesRequest) -> orders_pb2.SalesResponse:
        response: orders_pb2.SalesResponse = await self._stub.GetSales(request, timeout=self._t)
        return response

    async def top_products(
        self, request: orders_pb2.TopProductsRequest
    ) -> orders_pb2.TopProductsResponse:
        response: orders_pb2.TopProductsResponse = await self._stub.GetTopProducts(
            request, timeout=self._t
        )
        return response

    async def period_figures(
        self, request: orders_pb2.PeriodFiguresRequest
    ) -> orders_pb2.PeriodFigures:
        response: orders_pb2.PeriodFigures = await self._stub.GetPeriodFigures(
            request, timeout=self._t
        )
        return response


class LogisticsClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._stub = logistics_pb2_grpc.LogisticsServiceStub(channel)
        self._t = timeout_s

    async def list_carriers(self) -> logistics_pb2.ListCarriersResponse:
        response: logistics_pb2.ListCarriersResponse = await self._stub.ListCarriers(
            logistics_pb2.ListCarriersRequest(), timeout=self._t
        )
        return response

    async def list_shipments(
        self, request: logistics_pb2.ListShipmentsRequest
    ) -> logistics_pb2.ListShipmentsResponse:
        response: logistics_pb2.ListShipmentsResponse = await self._stub.ListShipments(
            request, timeout=self._t
        )
        return response

    async def get_tracking(self, waybill_no: str) -> logistics_pb2.Shipment:
        response: logistics_pb2.Shipment = await self._stub.GetTracking(
            logistics_pb2.GetTrackingRequest(waybill_no=waybill_no), timeout=self._t
        )
        return response

    async def ingest_carrier_push(
        self, request: logistics_pb2.IngestCarrierPushRequest
    ) -> logistics_pb2.IngestCarrierPushResponse:
        response: logistics_pb2.IngestCarrierPushResponse = await self._stub.IngestCarrierPush(
            request, timeout=self._t
        )
        return response

    async def cancel_shipment(
        self, request: logistics_pb2.CancelShipmentRequest
    ) -> logistics_pb2.Shipment:
        response: logistics_pb2.Shipment = await self._stub.CancelShipment(request, timeout=self._t)
        return response


async def _serving(channel: grpc.aio.Channel, timeout_s: float) -> bool:
    """The standard gRPC health check of a peer (overall server status)."""
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout_s)
    except grpc.aio.AioRpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


@dataclass
class ServiceClients:
    """The gateway's three peers. Built by `open` from addresses, or by tests around channels."""

    inventory: InventoryClient
    orders: OrdersClient
    logistics: LogisticsClient
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    @classmethod
    def open(
        cls, *, inventory_addr: str, orders_addr: str, logistics_addr: str, timeout_s: float
    ) -> ServiceClients:
        CLIENT_RPCS.expect(
            [
                inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name,
                orders_pb2.DESCRIPTOR.services_by_name["OrdersService"].full_name,
                logistics_pb2.DESCRIPTOR.services_by_name["LogisticsService"].full_name,
            ]
        )
        channels = {
            "inventory": open_channel(inventory_addr),
            "orders": open_channel(orders_addr),
            "logistics": open_channel(logistics_addr),
        }
        return cls(
            inventory=InventoryClient(channels["inventory"], timeout_s),
            orders=OrdersClient(channels["orders"], timeout_s),
            logistics=LogisticsClient(channels["logistics"], timeout_s),
            channels=channels,
        )

    async def health(self, timeout_s: float) -> dict[str, bool]:
        names = list(self.channels)
        results = await asyncio.gather(
            *(_serving(self.channels[name], timeout_s) for name in names)
        )
        return dict(zip(names, results, strict=True))

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
