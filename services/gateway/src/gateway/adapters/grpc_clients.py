"""The gateway's three peers: their generated stubs' RPCs, each call with a deadline.

Routes call an RPC by its proto name with its request message
(`await clients.inventory.GetProduct(inventory_pb2.GetProductRequest(sku=sku))`). A peer
class lists the RPCs the gateway uses with their request and answer types: grpc ships no
type stubs here, so these annotations are what mypy checks the calls against
(tests/test_gateway_peer_rpcs.py holds them to the service descriptors). Each is the stub's
own callable with the gateway's RPC timeout bound (a functools.partial: no Python frame
per call); chainkit's client interceptor shortens it to what is left of the request's
deadline (chainkit.deadlines).

Errors are not caught here: `grpc.aio.AioRpcError` reaches the one mapping in
`gateway.api.problems`, which turns status codes and details into problem responses.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, TypeVar

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainkit.batching import Batcher
from chainkit.grpc_client import error_of, open_channel
from chainkit.logging import current_correlation_id
from chainkit.metrics import CLIENT_RPCS
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from chainstore.logistics.v1 import logistics_pb2, logistics_pb2_grpc
from chainstore.orders.v1 import orders_pb2, orders_pb2_grpc

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

# One RPC of a peer: its request in, its answer out (awaited).
Rpc: TypeAlias = Callable[[Req], Awaitable[Resp]]


class Peer:
    """Every class-level annotation of a subclass names an RPC of `stub`, bound here once
    with the gateway's timeout."""

    def __init__(self, stub: object, timeout_s: float) -> None:
        for name in inspect.get_annotations(type(self)):
            setattr(self, name, functools.partial(getattr(stub, name), timeout=timeout_s))


class InventoryClient(Peer):
    AdjustStock: Rpc[inventory_pb2.AdjustStockRequest, inventory_pb2.AdjustStockResponse]
    CreateLocation: Rpc[inventory_pb2.CreateLocationRequest, inventory_pb2.Location]
    CreateProduct: Rpc[inventory_pb2.CreateProductRequest, inventory_pb2.Product]
    CreateTransfer: Rpc[inventory_pb2.CreateTransferRequest, inventory_pb2.Transfer]
    GetProduct: Rpc[inventory_pb2.GetProductRequest, inventory_pb2.Product]
    GetProductByBarcode: Rpc[inventory_pb2.GetProductByBarcodeRequest, inventory_pb2.Product]
    GetTransfer: Rpc[inventory_pb2.GetTransferRequest, inventory_pb2.Transfer]
    ListLocations: Rpc[inventory_pb2.ListLocationsRequest, inventory_pb2.ListLocationsResponse]
    ListLowStock: Rpc[inventory_pb2.ListLowStockRequest, inventory_pb2.ListLowStockResponse]
    ListMovements: Rpc[inventory_pb2.ListMovementsRequest, inventory_pb2.ListMovementsResponse]
    ListProducts: Rpc[inventory_pb2.ListProductsRequest, inventory_pb2.ListProductsResponse]
    ListStockLevels: Rpc[
        inventory_pb2.ListStockLevelsRequest, inventory_pb2.ListStockLevelsResponse
    ]
    ListTransfers: Rpc[inventory_pb2.ListTransfersRequest, inventory_pb2.ListTransfersResponse]
    ReceiveStock: Rpc[inventory_pb2.ReceiveStockRequest, inventory_pb2.ReceiveStockResponse]
    ReceiveTransfer: Rpc[inventory_pb2.ReceiveTransferRequest, inventory_pb2.Transfer]
    SetThreshold: Rpc[inventory_pb2.SetThresholdRequest, inventory_pb2.StockLevel]
    UpdateProduct: Rpc[inventory_pb2.UpdateProductRequest, inventory_pb2.Product]


# CreateOrders calls out at once per gateway process: enough to keep orders busy while
# earlier batches wait on their reservations and commits. A call takes what is queued when
# it leaves, without waiting for more (orders gathers where it pays: at its commit).
PLACEMENT_CALLS = 4


class OrdersClient(Peer):
    """Placements (`create_order`) made at the same moment go to orders in one CreateOrders
    call (see chainkit.batching): each is answered on its own, a refusal raised as the
    AioRpcError its own CreateOrder would have raised, so the one mapping in
    gateway.api.problems serves."""

    CancelOrder: Rpc[orders_pb2.CancelOrderRequest, orders_pb2.Order]
    ConfirmOrder: Rpc[orders_pb2.ConfirmOrderRequest, orders_pb2.Order]
    CreateOrders: Rpc[orders_pb2.CreateOrdersRequest, orders_pb2.CreateOrdersResponse]
    CreateStore: Rpc[orders_pb2.CreateStoreRequest, orders_pb2.Store]
    GetAnalyticsSummary: Rpc[orders_pb2.GetAnalyticsSummaryRequest, orders_pb2.AnalyticsSummary]
    GetOrder: Rpc[orders_pb2.GetOrderRequest, orders_pb2.Order]
    GetPeriodFigures: Rpc[orders_pb2.GetPeriodFiguresRequest, orders_pb2.PeriodFigures]
    GetReceipt: Rpc[orders_pb2.GetReceiptRequest, orders_pb2.Receipt]
    GetSales: Rpc[orders_pb2.GetSalesRequest, orders_pb2.SalesResponse]
    GetStore: Rpc[orders_pb2.GetStoreRequest, orders_pb2.Store]
    GetTopProducts: Rpc[orders_pb2.GetTopProductsRequest, orders_pb2.TopProductsResponse]
    ListOrders: Rpc[orders_pb2.ListOrdersRequest, orders_pb2.ListOrdersResponse]
    ListStores: Rpc[orders_pb2.ListStoresRequest, orders_pb2.ListStoresResponse]
    PayOrder: Rpc[orders_pb2.PayOrderRequest, orders_pb2.Order]
    QuoteShipping: Rpc[orders_pb2.QuoteShippingRequest, orders_pb2.QuoteShippingResponse]
    ReceiveOrder: Rpc[orders_pb2.ReceiveOrderRequest, orders_pb2.Order]
    ShipOrder: Rpc[orders_pb2.ShipOrderRequest, orders_pb2.Order]
    UpdateShippingAddress: Rpc[orders_pb2.UpdateShippingAddressRequest, orders_pb2.Order]
    UpdateStore: Rpc[orders_pb2.UpdateStoreRequest, orders_pb2.Store]

    def __init__(self, stub: object, timeout_s: float) -> None:
        super().__init__(stub, timeout_s)
        self._placements: Batcher[orders_pb2.CreateOrderRequest, orders_pb2.Order] = Batcher(
            self._create_orders, in_flight=PLACEMENT_CALLS, gather_max_s=0
        )

    async def create_order(self, request: orders_pb2.CreateOrderRequest) -> orders_pb2.Order:
        # The shared call carries one request's correlation id; each order names its own.
        request.correlation_id = current_correlation_id()
        return await self._placements.submit(request)

    async def _create_orders(
        self, requests: Sequence[orders_pb2.CreateOrderRequest]
    ) -> list[orders_pb2.Order | BaseException]:
        reply = await self.CreateOrders(orders_pb2.CreateOrdersRequest(items=requests))
        return [
            error_of(answer.refusal) if answer.HasField("refusal") else answer.order
            for answer in reply.answers
        ]


class LogisticsClient(Peer):
    CancelShipment: Rpc[logistics_pb2.CancelShipmentRequest, logistics_pb2.Shipment]
    GetTracking: Rpc[logistics_pb2.GetTrackingRequest, logistics_pb2.Shipment]
    IngestCarrierPush: Rpc[
        logistics_pb2.IngestCarrierPushRequest, logistics_pb2.IngestCarrierPushResponse
    ]
    ListCarriers: Rpc[logistics_pb2.ListCarriersRequest, logistics_pb2.ListCarriersResponse]
    ListShipments: Rpc[logistics_pb2.ListShipmentsRequest, logistics_pb2.ListShipmentsResponse]


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
    """The gateway's three peers. Built by `open` from addresses, or by tests around stubs."""

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
            inventory=InventoryClient(
                inventory_pb2_grpc.InventoryServiceStub(channels["inventory"]), timeout_s
            ),
            orders=OrdersClient(orders_pb2_grpc.OrdersServiceStub(channels["orders"]), timeout_s),
            logistics=LogisticsClient(
                logistics_pb2_grpc.LogisticsServiceStub(channels["logistics"]), timeout_s
            ),
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
