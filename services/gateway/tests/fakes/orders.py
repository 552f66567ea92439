"""A fake orders service: stores and orders kept in memory, scoped like the real service
(an order outside the caller's scope is NOT_FOUND), placements replayed by idempotency key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from google.rpc import status_pb2

from chainkit.errors import Conflict, NotFound
from chainkit.grpc_server import each_answered
from chainstore.common.v1 import common_pb2
from chainstore.orders.v1 import orders_pb2, orders_pb2_grpc

from .common import CODE_FIELDS, NOW, Context, Recorder, named, status_details, ts

# The state changes of an order: each names the order in scope and moves its status.
Transition = (
    orders_pb2.PayOrderRequest
    | orders_pb2.CancelOrderRequest
    | orders_pb2.ConfirmOrderRequest
    | orders_pb2.ShipOrderRequest
    | orders_pb2.ReceiveOrderRequest
)


def make_order(store_id: str, customer_id: str, **overrides: Any) -> orders_pb2.Order:
    order = orders_pb2.Order(
        order_id=str(uuid.uuid4()),
        order_no=f"CS{uuid.uuid4().int % 10**8:08d}",
        store_id=store_id,
        customer_id=customer_id,
        channel=orders_pb2.CHANNEL_ONLINE,
        status=orders_pb2.ORDER_STATUS_PENDING_PAYMENT,
        lines=[
            orders_pb2.OrderLine(
                sku="SKU-1", name="Tea", category="food", qty=2, unit_price=1500, amount=3000
            )
        ],
        total=3000,
        currency="CNY",
        shipping_address=common_pb2.Address(
            name="Li Lei", phone="13800000000", region="east", city="Shanghai", line1="1 Road"
        ),
        allocations=[
            orders_pb2.OrderAllocation(
                location_id="WH-1", sku="SKU-1", qty=2, reason="same region east, priority 1"
            )
        ],
        created_at=ts(NOW),
        payment_due_at=ts(NOW + timedelta(minutes=30)),
    )
    for name, value in overrides.items():
        setattr(order, name, value)
    return order


class FakeOrders(orders_pb2_grpc.OrdersServiceServicer, Recorder):
    """Enforces Scope like the real service: an order outside it is NOT_FOUND."""

    def __init__(self) -> None:
        Recorder.__init__(self)
        self.orders: dict[str, orders_pb2.Order] = {}
        self.stores: dict[str, orders_pb2.Store] = {}
        self.replies: dict[str, orders_pb2.Order] = {}

    def add(self, order: orders_pb2.Order) -> orders_pb2.Order:
        self.orders[order.order_id] = order
        return order

    def seed(self, store_id: str, customer_id: str, **overrides: Any) -> orders_pb2.Order:
        return self.add(make_order(store_id, customer_id, **overrides))

    def _find(self, scope: orders_pb2.Scope, ref: str) -> orders_pb2.Order:
        for order in self.orders.values():
            if ref in (order.order_id, order.order_no) and (
                (not scope.customer_id or scope.customer_id == order.customer_id)
                and (not scope.store_id or scope.store_id == order.store_id)
            ):
                return order
        raise NotFound(f"no order {ref!r}")

    async def CreateStore(
        self, request: orders_pb2.CreateStoreRequest, context: Context
    ) -> orders_pb2.Store:
        await self.record("CreateStore", request)
        store = orders_pb2.Store()
        store.CopyFrom(request.store)
        named(store)
        store.payment_timeout_s = request.payment_timeout_s or 1800
        store.share_stock_online = (
            request.share_stock_online
            if request.HasField("share_stock_online")
            else store.kind == orders_pb2.STORE_KIND_DIRECT
        )
        store.allocation_strategy = request.allocation_strategy or "region_priority"
        store.preferred_carrier = request.preferred_carrier
        store.service_level = request.service_level or "standard"
        store.time_zone = request.time_zone
        self.stores[store.store_id] = store
        return store

    async def GetStore(
        self, request: orders_pb2.GetStoreRequest, context: Context
    ) -> orders_pb2.Store:
        await self.record("GetStore", request)
        if request.store_id not in self.stores:
            raise NotFound(f"no store {request.store_id!r}")
        return self.stores[request.store_id]

    async def ListStores(
        self, request: orders_pb2.ListStoresRequest, context: Context
    ) -> orders_pb2.ListStoresResponse:
        await self.record("ListStores", request)
        # Like the service: by store_id after the cursor (here the plain id), limit 0 = all.
        items = sorted(
            (x for x in self.stores.values() if x.store_id > request.page.cursor),
            key=lambda x: x.store_id,
        )
        limit = request.page.limit or len(items)
        more = len(items) > limit
        return orders_pb2.ListStoresResponse(
            items=items[:limit],
            page=common_pb2.PageInfo(next_cursor=items[limit - 1].store_id if more else ""),
        )

    async def UpdateStore(
        self, request: orders_pb2.UpdateStoreRequest, context: Context
    ) -> orders_pb2.Store:
        await self.record("UpdateStore", request)
        store = self.stores[request.store_id]
        if request.HasField("auto_confirm"):
            store.auto_confirm = request.auto_confirm
        for name in ("name", "preferred_carrier", "service_level", "time_zone"):
            if request.HasField(name):
                setattr(store, name, getattr(request, name))
        if any(request.HasField(f) for f in CODE_FIELDS):
            for name in ("region", "city", *CODE_FIELDS):
                setattr(store, name, getattr(request, name))
            named(store)
        return store

    async def CreateOrder(
        self, request: orders_pb2.CreateOrderRequest, context: Context
    ) -> orders_pb2.Order:
        await self.record("CreateOrder", request)
        replay_key = f"{request.scope.actor}:{request.idempotency.key}"
        if request.idempotency.key and replay_key in self.replies:
            return self.replies[replay_key]
        order = make_order(request.store_id, request.customer_id, channel=request.channel)
        if request.channel == orders_pb2.CHANNEL_POS:
            order.status = orders_pb2.ORDER_STATUS_COMPLETED
            order.ClearField("shipping_address")
            order.ClearField("payment_due_at")
            order.payment.CopyFrom(request.payment)
        self.add(order)
        if request.idempotency.key:
            self.replies[replay_key] = order
        return order

    async def CreateOrders(
        self, request: orders_pb2.CreateOrdersRequest, context: Context
    ) -> orders_pb2.CreateOrdersResponse:
        """Like the real service: each item as its own CreateOrder, a refusal as the status
        that call would have failed with."""
        self.calls.append(("CreateOrders", request))  # fail_next is for an item's CreateOrder
        answers = await each_answered(
            (self.CreateOrder(i, context) for i in request.items), status_details
        )
        return orders_pb2.CreateOrdersResponse(
            answers=[
                orders_pb2.CreateOrderAnswer(refusal=a)
                if isinstance(a, status_pb2.Status)
                else orders_pb2.CreateOrderAnswer(order=a)
                for a in answers
            ]
        )

    async def GetOrder(
        self, request: orders_pb2.GetOrderRequest, context: Context
    ) -> orders_pb2.Order:
        await self.record("GetOrder", request)
        return self._find(request.scope, request.order_ref)

    async def GetReceipt(
        self, request: orders_pb2.GetReceiptRequest, context: Context
    ) -> orders_pb2.Receipt:
        """Like the real service: scoped like GetOrder, FAILED_PRECONDITION when unpaid."""
        await self.record("GetReceipt", request)
        order = self._find(request.scope, request.order_ref)
        if not order.HasField("payment"):
            raise Conflict(f"order {order.order_no} has no receipt: unpaid")
        return orders_pb2.Receipt(
            order_id=order.order_id,
            order_no=order.order_no,
            store_id=order.store_id,
            store_name="南京路店 Nanjing Road",
            store_city="上海",
            channel=order.channel,
            status=order.status,
            paid_at=ts(NOW),
            time_zone="Asia/Shanghai",
            local_time="2026-12-05 00:30:12",
            lines=order.lines,
            total=order.total,
            currency=order.currency,
            payment=order.payment,
            units=sum(x.qty for x in order.lines),
        )

    async def ListOrders(
        self, request: orders_pb2.ListOrdersRequest, context: Context
    ) -> orders_pb2.ListOrdersResponse:
        await self.record("ListOrders", request)
        scope = request.scope
        items = [
            o
            for o in self.orders.values()
            if (not scope.customer_id or o.customer_id == scope.customer_id)
            and (not scope.store_id or o.store_id == scope.store_id)
        ]
        return orders_pb2.ListOrdersResponse(items=items, page=common_pb2.PageInfo())

    async def _transition(
        self, method: str, request: Transition, status: orders_pb2.OrderStatus.ValueType
    ) -> orders_pb2.Order:
        await self.record(method, request)
        order = self._find(request.scope, request.order_ref)
        order.status = status
        return order

    async def PayOrder(
        self, request: orders_pb2.PayOrderRequest, context: Context
    ) -> orders_pb2.Order:
        order = await self._transition("PayOrder", request, orders_pb2.ORDER_STATUS_PAID)
        order.paid_at.CopyFrom(ts(NOW + timedelta(minutes=5)))
        order.payment.CopyFrom(request.payment)
        return order

    async def CancelOrder(
        self, request: orders_pb2.CancelOrderRequest, context: Context
    ) -> orders_pb2.Order:
        order = await self._transition("CancelOrder", request, orders_pb2.ORDER_STATUS_CANCELLED)
        order.cancel_reason = request.reason
        return order

    async def ConfirmOrder(
        self, request: orders_pb2.ConfirmOrderRequest, context: Context
    ) -> orders_pb2.Order:
        return await self._transition("ConfirmOrder", request, orders_pb2.ORDER_STATUS_PAID)

    async def ShipOrder(
        self, request: orders_pb2.ShipOrderRequest, context: Context
    ) -> orders_pb2.Order:
        return await self._transition("ShipOrder", request, orders_pb2.ORDER_STATUS_SHIPPED)

    async def ReceiveOrder(
        self, request: orders_pb2.ReceiveOrderRequest, context: Context
    ) -> orders_pb2.Order:
        return await self._transition("ReceiveOrder", request, orders_pb2.ORDER_STATUS_COMPLETED)

    async def GetPeriodFigures(
        self, request: orders_pb2.GetPeriodFiguresRequest, context: Context
    ) -> orders_pb2.PeriodFigures:
        """No orders on any day (the dashboard's tests serve their own figures)."""
        await self.record("GetPeriodFigures", request)
        return orders_pb2.PeriodFigures(currency="CNY")
