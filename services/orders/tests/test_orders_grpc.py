"""The real orders gRPC server (port 0) over a real database, talking to small fake
inventory and logistics gRPC servers defined here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import BadRequest
from google.rpc.status_pb2 import Status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit import grpc_server
from chainkit.errors import Conflict, DomainError, NotFound
from chainkit.grpc_client import error_of, open_channel, status_detail
from chainkit.grpc_server import each_answered
from chainstore.common.v1.common_pb2 import (
    Address,
    GeoPoint,
    Money,
    PageRequest,
    SkuQty,
)
from chainstore.inventory.v1 import inventory_pb2 as inv
from chainstore.inventory.v1 import inventory_pb2_grpc as inv_grpc
from chainstore.logistics.v1 import logistics_pb2 as lg
from chainstore.logistics.v1 import logistics_pb2_grpc as lg_grpc
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore.orders.v1 import orders_pb2_grpc
from orders.adapters.inventory_client import GrpcInventory
from orders.domain.lines import UnknownSkus
from orders.entrypoints.bootstrap import OrdersApp, bootstrap
from orders.entrypoints.config import Settings
from orders.entrypoints.servicer import details_for

CATALOG = {
    "TEA-1": inv.Product(
        sku="TEA-1",
        name="Green Tea",
        category="drinks",
        price=Money(amount=1200, currency="CNY"),
        weight_g=250,
    ),
}


class FakeInventoryServicer(inv_grpc.InventoryServiceServicer):
    """One warehouse with 5 units of TEA-1; refusals carry InsufficientStock like inventory's."""

    def __init__(self) -> None:
        self.on_hand = 5
        self.reservations: dict[str, inv.Reservation] = {}
        self.reserve_requests: list[inv.ReserveRequest] = []

    async def BatchGetProducts(self, req: inv.BatchGetProductsRequest, _ctx: Any) -> Any:
        unknown = [s for s in req.skus if s not in CATALOG]
        if unknown:
            raise NotFound(f"unknown SKU: {', '.join(unknown)}", details=unknown)
        return inv.BatchGetProductsResponse(items=[CATALOG[s] for s in req.skus])

    async def Reserve(self, req: inv.ReserveRequest, _ctx: Any) -> Any:
        self.reserve_requests.append(req)
        if req.reservation_id in self.reservations:
            return self.reservations[req.reservation_id]
        wanted = sum(line.qty for line in req.lines)
        if wanted > self.on_hand:
            raise Conflict("insufficient stock", details=[SkuQty(sku="TEA-1", qty=self.on_hand)])
        self.on_hand -= wanted
        held = inv.Reservation(
            reservation_id=req.reservation_id,
            state=inv.RESERVATION_STATE_HELD,
            allocations=[
                inv.Allocation(location_id="wh-a", sku=x.sku, qty=x.qty, reason="only warehouse")
                for x in req.lines
            ],
            expires_at=req.expires_at,
        )
        self.reservations[req.reservation_id] = held
        return held

    async def ReserveMany(self, req: inv.ReserveManyRequest, ctx: Any) -> Any:
        answers = await each_answered((self.Reserve(i, ctx) for i in req.items), inventory_details)
        return inv.ReserveManyResponse(
            answers=[
                inv.ReserveAnswer(refusal=a)
                if isinstance(a, Status)
                else inv.ReserveAnswer(reservation=a)
                for a in answers
            ]
        )

    async def CommitReservation(self, req: inv.CommitReservationRequest, _ctx: Any) -> Any:
        found = self.reservations[req.reservation_id]
        found.state = inv.RESERVATION_STATE_COMMITTED
        return found


def inventory_details(error: DomainError) -> Any:
    """As inventory's: stock a Conflict could have, one field violation per unknown SKU."""
    if isinstance(error, Conflict) and error.details:
        yield inv.InsufficientStock(available=error.details)
    if isinstance(error, NotFound) and error.details:
        yield BadRequest(
            field_violations=[
                BadRequest.FieldViolation(field="skus", description=f"unknown SKU {sku!r}")
                for sku in error.details
            ]
        )


class FakeLogisticsServicer(lg_grpc.LogisticsServiceServicer):
    def __init__(self) -> None:
        self.requests: list[lg.CreateShipmentsRequest] = []

    async def CreateShipments(self, req: lg.CreateShipmentsRequest, _ctx: Any) -> Any:
        self.requests.append(req)
        return lg.CreateShipmentsResponse(
            shipments=[
                lg.Shipment(
                    shipment_id=f"shp-{p.location_id}",
                    order_id=req.order_id,
                    store_id=req.store_id,
                    location_id=p.location_id,
                    carrier=req.carrier or "swift",
                    waybill_no=f"SW-{p.weight_g}",
                )
                for p in req.packages
            ]
        )


@pytest.fixture
async def stub(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[
    tuple[
        orders_pb2_grpc.OrdersServiceStub,
        grpc.aio.Server,
        FakeInventoryServicer,
        FakeLogisticsServicer,
    ]
]:
    # Only the RPCs orders calls are implemented; the rest answer UNIMPLEMENTED.
    inventory = FakeInventoryServicer()  # type: ignore[abstract]
    logistics = FakeLogisticsServicer()  # type: ignore[abstract]
    inv_server, inv_port, _ = await grpc_server.create_server(
        [lambda s: inv_grpc.add_InventoryServiceServicer_to_server(inventory, s)],
        ["chainstore.inventory.v1.InventoryService"],
        details_for=inventory_details,
    )
    lg_server, lg_port, _ = await grpc_server.create_server(
        [lambda s: lg_grpc.add_LogisticsServiceServicer_to_server(logistics, s)],
        ["chainstore.logistics.v1.LogisticsService"],
    )
    peers = {
        "inventory_addr": f"127.0.0.1:{inv_port}",
        "logistics_addr": f"127.0.0.1:{lg_port}",
        "peer_timeout_s": 2.0,
    }
    app: OrdersApp = bootstrap(settings.model_copy(update=peers), sessions)
    server, port, _ = await grpc_server.create_server(
        [app.register], app.service_names, details_for=details_for
    )
    channel = open_channel(f"127.0.0.1:{port}")
    yield orders_pb2_grpc.OrdersServiceStub(channel), inv_server, inventory, logistics
    await channel.close()
    await app.aclose()
    for s in (server, inv_server, lg_server):
        await s.stop(None)


ADDRESS = Address(
    name="Li",
    phone="138",
    region="east",
    city="Shanghai",
    line1="1 Rd",
    point=GeoPoint(lat=31.23, lon=121.47),
)
ME = pb.Scope(customer_id="c1", actor="user:c1")


def order_request(qty: int, key: str = "") -> pb.CreateOrderRequest:
    return pb.CreateOrderRequest(
        scope=ME,
        idempotency=pb.Idempotency(key=key),
        store_id="s1",
        customer_id="c1",
        channel=pb.CHANNEL_ONLINE,
        lines=[SkuQty(sku="TEA-1", qty=qty)],
        shipping_address=ADDRESS,
    )


async def test_orders_over_grpc_end_to_end(stub: Any) -> None:
    orders, inventory_server, inventory, logistics = stub
    store = pb.Store(
        store_id="s1",
        name="Square",
        region="east",
        city="Shanghai",
        kind=pb.STORE_KIND_FRANCHISE,
        location_id="st-1",
    )
    created = await orders.CreateStore(pb.CreateStoreRequest(store=store), timeout=5)
    assert (created.share_stock_online, created.payment_timeout_s) == (False, 1800)
    assert (created.preferred_carrier, created.service_level) == ("", "standard")
    updated = await orders.UpdateStore(
        pb.UpdateStoreRequest(
            store_id="s1",
            payment_timeout_s=600,
            preferred_carrier="steady",
            service_level="express",
        )
    )
    assert updated.payment_timeout_s == 600
    assert (updated.preferred_carrier, updated.service_level) == ("steady", "express")
    assert [s.store_id for s in (await orders.ListStores(pb.ListStoresRequest())).items] == ["s1"]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await orders.UpdateStore(pb.UpdateStoreRequest(store_id="s1", allocation_strategy="x"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = status_detail(bad.value, BadRequest)
    assert violations is not None and violations.field_violations[0].field == "allocation_strategy"
    placed = await orders.UpdateStore(pb.UpdateStoreRequest(store_id="s1", district_code="310101"))
    assert (placed.province_code, placed.province, placed.city, placed.district) == (
        "310000",
        "上海市",
        "上海市",
        "黄浦区",
    )
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await orders.UpdateStore(pb.UpdateStoreRequest(store_id="s1", district_code="319999"))
    violations = status_detail(unknown.value, BadRequest)
    assert violations is not None and violations.field_violations[0].field == "district_code"

    order = await orders.CreateOrder(order_request(2, key="k1"), timeout=5)
    assert order.status == pb.ORDER_STATUS_PENDING_PAYMENT
    assert order.payment_due_at.seconds - order.created_at.seconds == 600
    # The parcel's coordinates reach inventory, for its "nearest" allocation strategy.
    reserve = inventory.reserve_requests[-1]
    assert reserve.HasField("destination")
    assert (reserve.destination.lat, reserve.destination.lon) == (31.23, 121.47)
    assert await orders.CreateOrder(order_request(2, key="k1")) == order

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await orders.CreateOrder(order_request(4))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    shortage = status_detail(refused.value, inv.InsufficientStock)
    assert shortage is not None and [(s.sku, s.qty) for s in shortage.available] == [("TEA-1", 3)]

    unknown = order_request(1)
    unknown.lines[0].sku = "NOPE"
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await orders.CreateOrder(unknown)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = status_detail(bad.value, BadRequest)
    assert violations is not None and violations.field_violations[0].field == "lines[0].sku"

    paid = await orders.PayOrder(
        pb.PayOrderRequest(
            scope=ME, order_ref=order.order_no, payment=pb.Payment(method="alipay", amount=2400)
        )
    )
    assert paid.status == pb.ORDER_STATUS_PAID
    with pytest.raises(grpc.aio.AioRpcError) as unconfirmed:
        await orders.ShipOrder(pb.ShipOrderRequest(order_ref=order.order_id))
    assert unconfirmed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "must be confirmed" in (unconfirmed.value.details() or "")
    await orders.ConfirmOrder(pb.ConfirmOrderRequest(order_ref=order.order_id))
    shipped = await orders.ShipOrder(
        pb.ShipOrderRequest(order_ref=order.order_id, service_level="economy")
    )
    assert shipped.status == pb.ORDER_STATUS_SHIPPED
    assert [(s.location_id, s.waybill_no) for s in shipped.shipments] == [("wh-a", "SW-500")]
    sent = logistics.requests[-1]
    assert sent.destination.point.lat == 31.23
    # The level staff asked for, the store's preference, no override: logistics chooses.
    assert (sent.service_level, sent.preferred_carrier, sent.carrier) == ("economy", "steady", "")
    # Whose order: logistics carries these onto every shipment event (customer-scoped feed).
    assert (sent.customer_id, sent.order_no) == ("c1", order.order_no)
    # A warehouse's region is not in inventory's allocation: logistics gets none for it.
    assert [(p.location_id, p.origin_region) for p in sent.packages] == [("wh-a", "")]

    got = await orders.GetOrder(pb.GetOrderRequest(scope=ME, order_ref=order.order_no))
    assert got.order_id == order.order_id and got.status == pb.ORDER_STATUS_SHIPPED
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await orders.GetOrder(
            pb.GetOrderRequest(scope=pb.Scope(customer_id="c2"), order_ref=order.order_no)
        )
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as wrong_state:
        await orders.CancelOrder(pb.CancelOrderRequest(order_ref=order.order_id))
    assert wrong_state.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "shipped" in (wrong_state.value.details() or "")

    await orders.CreateOrder(order_request(1))
    page = await orders.ListOrders(pb.ListOrdersRequest(scope=ME, page=PageRequest(limit=1)))
    assert len(page.items) == 1 and page.page.next_cursor
    rest = await orders.ListOrders(
        pb.ListOrdersRequest(scope=ME, page=PageRequest(limit=1, cursor=page.page.next_cursor))
    )
    assert [o.order_id for o in rest.items] == [order.order_id] and not rest.page.next_cursor

    await inventory_server.stop(None)
    with pytest.raises(grpc.aio.AioRpcError) as down:
        await orders.CreateOrder(order_request(1))
    assert down.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_the_inventory_client_keeps_products_for_its_bound_and_shares_look_ups() -> None:
    inventory = FakeInventoryServicer()  # type: ignore[abstract]
    calls: list[list[str]] = []
    original = inventory.BatchGetProducts

    async def counted(req: inv.BatchGetProductsRequest, ctx: Any) -> Any:
        calls.append(list(req.skus))
        return await original(req, ctx)

    inventory.BatchGetProducts = counted  # type: ignore[method-assign]
    server, port, _ = await grpc_server.create_server(
        [lambda s: inv_grpc.add_InventoryServiceServicer_to_server(inventory, s)],
        ["chainstore.inventory.v1.InventoryService"],
        details_for=inventory_details,
    )
    client = GrpcInventory.connect(f"127.0.0.1:{port}", timeout_s=2.0, product_ttl_s=0.3)
    try:
        # Concurrent look-ups share one call; one unknown SKU refuses only its own caller.
        answers = await asyncio.gather(
            *(client.batch_get_products(["TEA-1"]) for _ in range(5)),
            client.batch_get_products(["NOPE-1"]),
            return_exceptions=True,
        )
        assert all(a["TEA-1"].unit_price == 1200 for a in answers[:5])  # type: ignore[index]
        assert isinstance(answers[5], NotFound)
        with pytest.raises(NotFound) as unknown:  # named one by one, not by a prefix
            await client.batch_get_products(["TEA-1", "TEA-10"])
        assert unknown.value.details == UnknownSkus(("TEA-10",))
        before = len(calls)
        CATALOG["TEA-1"].price.amount = 1500  # the price changes in inventory
        try:
            kept = await client.batch_get_products(["TEA-1"])
            assert (kept["TEA-1"].unit_price, len(calls)) == (1200, before)  # within the bound
            await asyncio.sleep(0.35)
            fresh = await client.batch_get_products(["TEA-1"])
            assert fresh["TEA-1"].unit_price == 1500  # past it: read again
        finally:
            CATALOG["TEA-1"].price.amount = 1200
    finally:
        await client.close()
        await server.stop(None)


async def test_create_orders_answers_each_item_as_its_own_create_order_would(stub: Any) -> None:
    orders, _server, _inventory, _logistics = stub
    store = pb.Store(
        store_id="s1", name="Square", region="east", city="Shanghai",
        kind=pb.STORE_KIND_DIRECT, location_id="st-1",
    )  # fmt: skip
    await orders.CreateStore(pb.CreateStoreRequest(store=store), timeout=5)
    no_lines = order_request(1)
    del no_lines.lines[:]
    items = [order_request(2, key="a"), order_request(9), no_lines, order_request(2, key="a")]
    reply = await orders.CreateOrders(pb.CreateOrdersRequest(items=items), timeout=5)
    placed, short, invalid, replayed = reply.answers
    assert placed.order.status == pb.ORDER_STATUS_PENDING_PAYMENT
    assert replayed.order == placed.order  # the same key: the same order, placed once
    refused = error_of(short.refusal)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    shortage = status_detail(refused, inv.InsufficientStock)
    assert shortage is not None and [(s.sku, s.qty) for s in shortage.available] == [("TEA-1", 3)]
    bad = status_detail(error_of(invalid.refusal), BadRequest)
    assert invalid.refusal.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert bad is not None and [v.field for v in bad.field_violations] == ["lines"]
