"""The real gateway app against fake gRPC servers of our own, started on port 0.

The fakes implement only the RPCs the tests need, record every request, and fail through
chainkit's real server error mapping (status codes + status details), so the gateway's
translation is tested end to end. `backends.<svc>.fail_next` makes the next call raise.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI
from google.protobuf.message import Message
from google.rpc import status_pb2

from chainkit.china.places import locate
from chainkit.errors import Conflict, DomainError, NotFound, Unauthenticated
from chainkit.grpc_server import create_server, each_answered
from chainstore.common.v1 import common_pb2
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from chainstore.logistics.v1 import logistics_pb2, logistics_pb2_grpc
from chainstore.orders.v1 import orders_pb2, orders_pb2_grpc
from gateway.core.config import Settings
from gateway.core.security import Principal, Role, create_access_token
from gateway.main import create_app

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
HQ_PASSWORD = "hq-test-password"
CARRIER_SECRET = b"carrier-secret"


def ts(at: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


class Recorder:
    """Requests by method name, and an error to raise on the next call (any method)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_next: DomainError | None = None
        self.delay_s = 0.0

    async def record(self, method: str, request: Any) -> None:
        self.calls.append((method, request))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def last(self, method: str) -> Any:
        found = [request for name, request in self.calls if name == method]
        assert found, f"{method} was not called"
        return found[-1]

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)


class FakeInventory(inventory_pb2_grpc.InventoryServiceServicer, Recorder):
    def __init__(self) -> None:
        Recorder.__init__(self)
        self.products: dict[str, inventory_pb2.Product] = {}
        self.locations: dict[str, inventory_pb2.Location] = {}

    async def CreateLocation(self, request: Any, context: Any) -> Any:
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

    async def ListLocations(self, request: Any, context: Any) -> Any:
        await self.record("ListLocations", request)
        return inventory_pb2.ListLocationsResponse(
            items=list(self.locations.values()),
            page=common_pb2.PageInfo(next_cursor="loc-next" if request.page.limit else ""),
        )

    async def CreateProduct(self, request: Any, context: Any) -> Any:
        await self.record("CreateProduct", request)
        self.products[request.product.sku] = request.product
        return request.product

    async def GetProduct(self, request: Any, context: Any) -> Any:
        await self.record("GetProduct", request)
        if request.sku not in self.products:
            raise NotFound(f"no product {request.sku!r}")
        return self.products[request.sku]

    async def GetProductByBarcode(self, request: Any, context: Any) -> Any:
        await self.record("GetProductByBarcode", request)
        for product in self.products.values():
            if request.barcode and product.barcode == request.barcode:
                return product
        raise NotFound(f"no product has barcode {request.barcode}")

    async def UpdateProduct(self, request: Any, context: Any) -> Any:
        await self.record("UpdateProduct", request)
        product = self.products[request.sku]
        if request.HasField("price"):
            product.price.amount = request.price
        for name in ("name", "barcode", "spec"):
            if request.HasField(name):
                setattr(product, name, getattr(request, name))
        return product

    async def ListProducts(self, request: Any, context: Any) -> Any:
        await self.record("ListProducts", request)
        items = list(self.products.values())[: request.page.limit]
        return inventory_pb2.ListProductsResponse(
            items=items, page=common_pb2.PageInfo(next_cursor="next-1")
        )

    async def ReceiveStock(self, request: Any, context: Any) -> Any:
        await self.record("ReceiveStock", request)
        levels = [
            inventory_pb2.StockLevel(
                sku=line.sku, location_id=request.location_id, on_hand=line.qty, available=line.qty
            )
            for line in request.lines
        ]
        return inventory_pb2.ReceiveStockResponse(levels=levels)

    async def ListStockLevels(self, request: Any, context: Any) -> Any:
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

    # Stock operations (issue 3): enough behaviour to test the gateway's translation.
    async def AdjustStock(self, request: Any, context: Any) -> Any:
        await self.record("AdjustStock", request)
        level = inventory_pb2.StockLevel(
            sku=request.sku, location_id=request.location_id, on_hand=10 + request.delta
        )
        level.available = level.on_hand
        return inventory_pb2.AdjustStockResponse(level=level)

    def _transfer(self, request: Any, received: int = 0) -> Any:
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

    async def CreateTransfer(self, request: Any, context: Any) -> Any:
        await self.record("CreateTransfer", request)
        transfer = self._transfer(request)
        self.transfers = {**getattr(self, "transfers", {}), request.transfer_id: transfer}
        return transfer

    async def GetTransfer(self, request: Any, context: Any) -> Any:
        await self.record("GetTransfer", request)
        transfers = getattr(self, "transfers", {})
        if request.transfer_id not in transfers:
            raise NotFound(f"no transfer {request.transfer_id!r}")
        return transfers[request.transfer_id]

    async def ReceiveTransfer(self, request: Any, context: Any) -> Any:
        await self.record("ReceiveTransfer", request)
        transfer = inventory_pb2.Transfer()
        transfer.CopyFrom(self.transfers[request.transfer_id])
        for line in transfer.lines:
            line.qty_received = line.qty_shipped
        transfer.state = inventory_pb2.TRANSFER_STATE_RECEIVED
        return transfer

    async def SetThreshold(self, request: Any, context: Any) -> Any:
        await self.record("SetThreshold", request)
        return inventory_pb2.StockLevel(
            sku=request.sku,
            location_id=request.location_id,
            low_stock_threshold=request.low_stock_threshold,
        )

    async def ListLowStock(self, request: Any, context: Any) -> Any:
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

    async def ListMovements(self, request: Any, context: Any) -> Any:
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


NOW = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


CODE_FIELDS = ("province_code", "city_code", "district_code")


def named(msg: Any) -> None:
    """Like the services: the names, city and region of the codes a store or location has."""
    if any(getattr(msg, f) for f in CODE_FIELDS):
        codes = {f: getattr(msg, f) for f in CODE_FIELDS}
        for name, value in vars(locate(region=msg.region, city=msg.city, **codes)).items():
            setattr(msg, name, value)


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

    async def CreateStore(self, request: Any, context: Any) -> Any:
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

    async def GetStore(self, request: Any, context: Any) -> Any:
        await self.record("GetStore", request)
        if request.store_id not in self.stores:
            raise NotFound(f"no store {request.store_id!r}")
        return self.stores[request.store_id]

    async def ListStores(self, request: Any, context: Any) -> Any:
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

    async def UpdateStore(self, request: Any, context: Any) -> Any:
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

    async def CreateOrder(self, request: Any, context: Any) -> Any:
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

    async def CreateOrders(self, request: Any, context: Any) -> Any:
        """Like the real service: each item as its own CreateOrder, a refusal as the status
        that call would have failed with."""
        self.calls.append(("CreateOrders", request))  # fail_next is for an item's CreateOrder
        answers = await each_answered(
            (self.CreateOrder(i, context) for i in request.items), _details
        )
        return orders_pb2.CreateOrdersResponse(
            answers=[
                orders_pb2.CreateOrderAnswer(refusal=a)
                if isinstance(a, status_pb2.Status)
                else orders_pb2.CreateOrderAnswer(order=a)
                for a in answers
            ]
        )

    async def GetOrder(self, request: Any, context: Any) -> Any:
        await self.record("GetOrder", request)
        return self._find(request.scope, request.order_ref)

    async def GetReceipt(self, request: Any, context: Any) -> Any:
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

    async def ListOrders(self, request: Any, context: Any) -> Any:
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
        self, method: str, request: Any, status: orders_pb2.OrderStatus.ValueType
    ) -> Any:
        await self.record(method, request)
        order = self._find(request.scope, request.order_ref)
        order.status = status
        return order

    async def PayOrder(self, request: Any, context: Any) -> Any:
        order = await self._transition("PayOrder", request, orders_pb2.ORDER_STATUS_PAID)
        order.paid_at.CopyFrom(ts(NOW + timedelta(minutes=5)))
        order.payment.CopyFrom(request.payment)
        return order

    async def CancelOrder(self, request: Any, context: Any) -> Any:
        order = await self._transition("CancelOrder", request, orders_pb2.ORDER_STATUS_CANCELLED)
        order.cancel_reason = request.reason
        return order

    async def ConfirmOrder(self, request: Any, context: Any) -> Any:
        return await self._transition("ConfirmOrder", request, orders_pb2.ORDER_STATUS_PAID)

    async def ShipOrder(self, request: Any, context: Any) -> Any:
        return await self._transition("ShipOrder", request, orders_pb2.ORDER_STATUS_SHIPPED)

    async def ReceiveOrder(self, request: Any, context: Any) -> Any:
        return await self._transition("ReceiveOrder", request, orders_pb2.ORDER_STATUS_COMPLETED)

    async def GetPeriodFigures(self, request: Any, context: Any) -> Any:
        """No orders on any day (the dashboard's tests serve their own figures)."""
        await self.record("GetPeriodFigures", request)
        return orders_pb2.PeriodFigures(currency="CNY")


def make_shipment(order_id: str = "o-1", store_id: str = "S1") -> logistics_pb2.Shipment:
    return logistics_pb2.Shipment(
        shipment_id="sh-1",
        order_id=order_id,
        store_id=store_id,
        location_id="WH-1",
        carrier="swift",
        waybill_no="SW123",
        status=logistics_pb2.TRACKING_STATUS_IN_TRANSIT,
        events=[
            logistics_pb2.TrackingEvent(
                at=ts(NOW),
                status=logistics_pb2.TRACKING_STATUS_PICKED_UP,
                location="Shanghai",
                description="picked up",
            )
        ],
        last_update_at=ts(NOW),
        created_at=ts(NOW),
        carrier_reason="cheapest meeting standard for east at 800 g (swift 800)",
        service_level="standard",
        price=800,
        weight_g=800,
    )


class FakeLogistics(logistics_pb2_grpc.LogisticsServiceServicer, Recorder):
    # Set by a test: swift's push-gap alert is open since then (ListCarriers reports it).
    push_gap_since: datetime | None = None

    @staticmethod
    def sign(body: bytes) -> str:
        return "sha256=" + hmac.new(CARRIER_SECRET, body, hashlib.sha256).hexdigest()

    async def ListCarriers(self, request: Any, context: Any) -> Any:
        await self.record("ListCarriers", request)
        carrier = logistics_pb2.Carrier(
            code="swift",
            name="Swift Express",
            regions=["east"],
            max_weight_g=30000,
            update_mode=logistics_pb2.UPDATE_MODE_PUSH,
            weight_bands=[logistics_pb2.WeightBand(up_to_g=30000, price=1200)],
            days_same_region=1,
            days_other_region=2,
            service_levels=["express", "standard", "economy"],
        )
        if self.push_gap_since is not None:
            carrier.push_gap_since.CopyFrom(ts(self.push_gap_since))
        return logistics_pb2.ListCarriersResponse(items=[carrier])

    async def ListShipments(self, request: Any, context: Any) -> Any:
        await self.record("ListShipments", request)
        shipment = make_shipment(request.order_id or "o-1", request.store_id or "S1")
        return logistics_pb2.ListShipmentsResponse(items=[shipment], page=common_pb2.PageInfo())

    async def GetTracking(self, request: Any, context: Any) -> Any:
        await self.record("GetTracking", request)
        if request.waybill_no != "SW123":
            raise NotFound(f"no waybill {request.waybill_no!r}")
        return make_shipment()

    async def IngestCarrierPush(self, request: Any, context: Any) -> Any:
        await self.record("IngestCarrierPush", request)
        if not hmac.compare_digest(self.sign(request.body), request.signature):
            raise Unauthenticated("bad signature")
        return logistics_pb2.IngestCarrierPushResponse(accepted=1, duplicates=0)

    async def CancelShipment(self, request: Any, context: Any) -> Any:
        await self.record("CancelShipment", request)
        if request.shipment_id != "sh-1" or request.store_id not in ("", "S1"):
            raise NotFound(f"no shipment {request.shipment_id!r}")
        if request.reason == "too late":
            raise Conflict("shipment is picked_up: it can only be cancelled before pickup")
        shipment = make_shipment()
        shipment.status = logistics_pb2.TRACKING_STATUS_INFO_RECEIVED
        shipment.cancelled_at.CopyFrom(ts(NOW))
        shipment.cancel_reason = request.reason
        return shipment


def _details(error: DomainError) -> Iterable[Message]:
    """Like the orders service: an error's proto details travel as status details."""
    if isinstance(error.details, Message):
        yield error.details


@dataclass
class Backends:
    inventory: FakeInventory = field(default_factory=FakeInventory)
    orders: FakeOrders = field(default_factory=FakeOrders)
    logistics: FakeLogistics = field(default_factory=FakeLogistics)
    addrs: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def backends() -> AsyncIterator[Backends]:
    fakes = Backends()
    servers: list[grpc.aio.Server] = []
    wiring: list[tuple[str, Any, Callable[[Any, grpc.aio.Server], None], str]] = [
        (
            "inventory",
            fakes.inventory,
            inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
            "chainstore.inventory.v1.InventoryService",
        ),
        (
            "orders",
            fakes.orders,
            orders_pb2_grpc.add_OrdersServiceServicer_to_server,
            "chainstore.orders.v1.OrdersService",
        ),
        (
            "logistics",
            fakes.logistics,
            logistics_pb2_grpc.add_LogisticsServiceServicer_to_server,
            "chainstore.logistics.v1.LogisticsService",
        ),
    ]
    for name, fake, add, service_name in wiring:
        server, port, _health = await create_server(
            [functools.partial(add, fake)], [service_name], details_for=_details
        )
        servers.append(server)
        fakes.addrs[name] = f"127.0.0.1:{port}"
    yield fakes
    for server in servers:
        await server.stop(None)


@pytest.fixture
def users_db_url(tmp_path: Path) -> str:
    """SQLite by default; the user-storage tests override it with `database_url` (both DBs)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
def settings(backends: Backends, users_db_url: str) -> Settings:
    return Settings(
        environment="development",
        database_url=users_db_url,
        jwt_secret=JWT_SECRET,
        hq_password=HQ_PASSWORD,
        inventory_addr=backends.addrs["inventory"],
        orders_addr=backends.addrs["orders"],
        logistics_addr=backends.addrs["logistics"],
        nats_url="nats://127.0.0.1:1",
        live_feed=False,
        rpc_timeout_s=2.0,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


# `async with running(settings, **changes) as (app, client)`: a gateway of its own.
Running = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@asynccontextmanager
async def _running(
    settings: Settings, **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings.model_copy(update=changes))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield application, c


@pytest.fixture
def running() -> Running:
    """Starts a gateway with these settings (and `changes` to them) and a client of it, for
    tests that need more than one or settings of their own."""
    return _running


class Tokens:
    """Headers with valid tokens (tokens are stateless: no user row is needed)."""

    def __init__(self) -> None:
        self.hq = self.make("hq", username="hq")
        self.alice = self.make("customer", username="alice", customer_id="C-ALICE")
        self.staff_s1 = self.make("store", username="clerk1", store_id="S1")

    @staticmethod
    def make(
        role: Role, *, username: str = "", store_id: str = "", customer_id: str = ""
    ) -> dict[str, str]:
        principal = Principal(
            username=username or f"{role}-user",
            role=role,
            store_id=store_id or None,
            customer_id=customer_id or None,
        )
        token = create_access_token(principal, secret=JWT_SECRET, ttl_s=600)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()
