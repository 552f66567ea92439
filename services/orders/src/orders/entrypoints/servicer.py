"""The OrdersService gRPC servicer: requests → commands → use cases → replies. No rules here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

import grpc
from google.protobuf.message import Message
from google.rpc.status_pb2 import Status

from chainkit.errors import Conflict, DomainError
from chainkit.grpc_server import each_answered
from chainkit.logging import correlation_id
from chainstore.common.v1.common_pb2 import PageInfo, SkuQty
from chainstore.inventory.v1.inventory_pb2 import InsufficientStock
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore.orders.v1 import orders_pb2_grpc
from orders.adapters.order_messages import receipt_pb, store_pb
from orders.domain.lines import StockShortfall
from orders.entrypoints import translate as t
from orders.entrypoints import translate_answers as answer
from orders.service_layer import (
    address,
    analytics,
    create_order,
    order_actions,
    queries,
    shipping_quote,
    stores,
)
from orders.service_layer import commands as c
from orders.service_layer.deps import Deps

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["OrdersService"].full_name


def details_for(error: DomainError) -> Iterable[Message]:
    """Refusals for lack of stock carry inventory's InsufficientStock detail, unchanged."""
    if isinstance(error, Conflict) and isinstance(error.details, StockShortfall):
        yield InsufficientStock(
            available=[SkuQty(sku=sku, qty=qty) for sku, qty in error.details.available]
        )


class OrdersServicer(orders_pb2_grpc.OrdersServiceServicer):
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def register(self, server: grpc.aio.Server) -> None:
        orders_pb2_grpc.add_OrdersServiceServicer_to_server(self, server)

    async def CreateStore(self, req: pb.CreateStoreRequest, _ctx: object) -> pb.Store:
        s = req.store
        created = await stores.create_store(
            self._deps,
            store_id=s.store_id,
            name=s.name,
            region=s.region,
            city=s.city,
            kind=t.KINDS.get(s.kind, ""),
            location_id=s.location_id,
            settings=t.create_store_settings(req),
        )
        return store_pb(created)

    async def GetStore(self, req: pb.GetStoreRequest, _ctx: object) -> pb.Store:
        return store_pb(await stores.get_store(self._deps, req.store_id))

    async def ListStores(self, req: pb.ListStoresRequest, _ctx: object) -> pb.ListStoresResponse:
        after = t.store_cursor(req.page.cursor)
        items, last = await stores.list_stores(self._deps, after, req.page.limit)
        return pb.ListStoresResponse(
            items=[store_pb(s) for s in items],
            page=PageInfo(next_cursor=t.encode_store_cursor(last)),
        )

    async def UpdateStore(self, req: pb.UpdateStoreRequest, _ctx: object) -> pb.Store:
        updated = await stores.update_store(self._deps, req.store_id, t.update_store_settings(req))
        return store_pb(updated)

    async def CreateOrder(self, req: pb.CreateOrderRequest, _ctx: object) -> pb.Order:
        return answer.order(await create_order.create_order(self._deps, t.create_order(req)))

    async def CreateOrders(
        self, req: pb.CreateOrdersRequest, _ctx: object
    ) -> pb.CreateOrdersResponse:
        answers = await each_answered((self._create_for(item) for item in req.items), details_for)
        return pb.CreateOrdersResponse(
            answers=[
                pb.CreateOrderAnswer(refusal=a)
                if isinstance(a, Status)
                else pb.CreateOrderAnswer(order=a)
                for a in answers
            ]
        )

    async def _create_for(self, req: pb.CreateOrderRequest) -> pb.Order:
        """One item of CreateOrders, logged and evented under its own request's id."""
        token = correlation_id.set(req.correlation_id or correlation_id.get())
        try:
            return answer.order(await create_order.create_order(self._deps, t.create_order(req)))
        finally:
            correlation_id.reset(token)

    async def GetOrder(self, req: pb.GetOrderRequest, _ctx: object) -> pb.Order:
        return answer.order(await queries.get_order(self._deps, t.scope(req.scope), req.order_ref))

    async def GetReceipt(self, req: pb.GetReceiptRequest, _ctx: object) -> pb.Receipt:
        return receipt_pb(await queries.get_receipt(self._deps, t.scope(req.scope), req.order_ref))

    async def ListOrders(self, req: pb.ListOrdersRequest, _ctx: object) -> pb.ListOrdersResponse:
        items, next_cursor = await queries.list_orders(self._deps, t.list_orders(req))
        return pb.ListOrdersResponse(
            items=[answer.order(o) for o in items], page=PageInfo(next_cursor=next_cursor)
        )

    async def PayOrder(self, req: pb.PayOrderRequest, _ctx: object) -> pb.Order:
        cmd = c.PayOrder(
            order_ref=req.order_ref,
            payment=t.payment(req.payment),
            scope=t.scope(req.scope),
            idempotency_key=req.idempotency.key,
        )
        return answer.order(await order_actions.pay_order(self._deps, cmd))

    async def CancelOrder(self, req: pb.CancelOrderRequest, _ctx: object) -> pb.Order:
        cmd = c.CancelOrder(
            order_ref=req.order_ref,
            reason=req.reason,
            scope=t.scope(req.scope),
            idempotency_key=req.idempotency.key,
        )
        return answer.order(await order_actions.cancel_order(self._deps, cmd))

    async def ConfirmOrder(self, req: pb.ConfirmOrderRequest, _ctx: object) -> pb.Order:
        cmd = c.ConfirmOrder(
            order_ref=req.order_ref, scope=t.scope(req.scope), idempotency_key=req.idempotency.key
        )
        return answer.order(await order_actions.confirm_order(self._deps, cmd))

    async def ShipOrder(self, req: pb.ShipOrderRequest, _ctx: object) -> pb.Order:
        cmd = c.ShipOrder(
            order_ref=req.order_ref,
            carrier=req.carrier,
            service_level=req.service_level,
            scope=t.scope(req.scope),
            idempotency_key=req.idempotency.key,
        )
        return answer.order(await order_actions.ship_order(self._deps, cmd))

    async def QuoteShipping(
        self, req: pb.QuoteShippingRequest, _ctx: object
    ) -> pb.QuoteShippingResponse:
        cmd = c.QuoteShipping(
            order_ref=req.order_ref,
            carrier=req.carrier,
            service_level=req.service_level,
            scope=t.scope(req.scope),
        )
        return t.shipping_quote(await shipping_quote.quote_shipping(self._deps, cmd))

    async def ReceiveOrder(self, req: pb.ReceiveOrderRequest, _ctx: object) -> pb.Order:
        cmd = c.ReceiveOrder(
            order_ref=req.order_ref, scope=t.scope(req.scope), idempotency_key=req.idempotency.key
        )
        return answer.order(await order_actions.receive_order(self._deps, cmd))

    async def UpdateShippingAddress(
        self, req: pb.UpdateShippingAddressRequest, _ctx: object
    ) -> pb.Order:
        cmd = c.UpdateShippingAddress(
            order_ref=req.order_ref,
            shipping_address=t.address(req.shipping_address),
            reason=req.reason,
            scope=t.scope(req.scope),
            idempotency_key=req.idempotency.key,
        )
        return answer.order(await address.update_shipping_address(self._deps, cmd))

    async def GetAnalyticsSummary(
        self, req: pb.GetAnalyticsSummaryRequest, _ctx: object
    ) -> pb.AnalyticsSummary:
        return answer.summary(await analytics.summary(self._deps, t.scope(req.scope)))

    async def GetSales(self, req: pb.GetSalesRequest, _ctx: object) -> pb.SalesResponse:
        rows = await analytics.sales(
            self._deps, t.scope(req.scope), req.from_day, req.to_day, req.group_by, req.region
        )
        return answer.sales(rows)

    async def GetTopProducts(
        self, req: pb.GetTopProductsRequest, _ctx: object
    ) -> pb.TopProductsResponse:
        rows = await analytics.top_products(
            self._deps, t.scope(req.scope), req.from_day, req.to_day, req.region, req.limit
        )
        return answer.top_products(rows)

    async def GetPeriodFigures(
        self, req: pb.GetPeriodFiguresRequest, _ctx: object
    ) -> pb.PeriodFigures:
        figures = await analytics.period_figures(
            self._deps,
            t.scope(req.scope),
            req.start.ToDatetime(tzinfo=UTC),
            req.end.ToDatetime(tzinfo=UTC),
        )
        return answer.period_figures(figures)
