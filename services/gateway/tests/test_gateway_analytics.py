"""Analytics routes, the order timeline and the address correction through the gateway,
against a small fake orders server of our own (started on port 0)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from chainkit.errors import Conflict, FieldError, InvalidArgument
from chainkit.grpc_server import create_server
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore.orders.v1 import orders_pb2_grpc
from gateway.core.config import Settings

AT = Timestamp()
AT.FromDatetime(datetime(2025, 3, 1, 8, 30, tzinfo=UTC))


class FakeAnalyticsOrders(orders_pb2_grpc.OrdersServiceServicer):
    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def GetAnalyticsSummary(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return pb.AnalyticsSummary(
            orders_by_status=[
                pb.StatusCount(status=pb.ORDER_STATUS_PAID, count=4),
                pb.StatusCount(status=pb.ORDER_STATUS_CANCELLED, count=1),
            ],
            revenue_today=12_000,
            orders_today=3,
            currency="CNY",
            day="2025-03-01",
        )

    async def GetSales(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        if request.from_day > request.to_day and request.to_day:
            raise InvalidArgument("invalid date range", [FieldError("from", "after to")])
        return pb.SalesResponse(
            rows=[pb.SalesRow(key="S1", orders=3, units=7, revenue=12_000)], currency="CNY"
        )

    async def GetTopProducts(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return pb.TopProductsResponse(
            items=[pb.ProductSales(sku="TEA-1", name="Tea", category="food", units=9, revenue=9)],
            currency="CNY",
        )

    async def UpdateShippingAddress(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        if request.order_ref == "shipped-1":
            raise Conflict("cannot correct the address of order shipped-1: it is shipped")
        return pb.Order(
            order_id=request.order_ref,
            order_no="20250301-S1-000001",
            store_id="S1",
            channel=pb.CHANNEL_ONLINE,
            status=pb.ORDER_STATUS_PAID,
            shipping_address=request.shipping_address,
            timeline=[
                pb.TimelineEntry(
                    at=AT, status=pb.ORDER_STATUS_PENDING_PAYMENT, actor="alice", action="created"
                ),
                pb.TimelineEntry(
                    at=AT,
                    from_status=pb.ORDER_STATUS_PENDING_PAYMENT,
                    status=pb.ORDER_STATUS_PAID,
                    actor="alice",
                    reason="card 3000",
                    action="paid",
                ),
                pb.TimelineEntry(
                    at=AT,
                    from_status=pb.ORDER_STATUS_PAID,
                    status=pb.ORDER_STATUS_PAID,
                    actor=request.scope.actor,
                    reason=request.reason,
                    action="address_corrected",
                ),
            ],
        )


@pytest.fixture
async def fake_orders() -> AsyncIterator[tuple[FakeAnalyticsOrders, str]]:
    fake = FakeAnalyticsOrders()
    server, port, _health = await create_server(
        [functools.partial(orders_pb2_grpc.add_OrdersServiceServicer_to_server, fake)],
        ["chainstore.orders.v1.OrdersService"],
    )
    yield fake, f"127.0.0.1:{port}"
    await server.stop(None)


@pytest.fixture
def settings(settings: Settings, fake_orders: tuple[FakeAnalyticsOrders, str]) -> Settings:
    return settings.model_copy(update={"orders_addr": fake_orders[1]})


async def test_summary_sales_and_top_products_for_head_office(
    client: httpx.AsyncClient, tokens: Any, fake_orders: Any
) -> None:
    fake, _ = fake_orders
    r = await client.get("/v1/analytics/summary", headers=tokens.hq)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "day": "2025-03-01",
        "currency": "CNY",
        "orders_by_status": {"paid": 4, "cancelled": 1},
        "revenue_today": 12_000,
        "orders_today": 3,
        "low_stock_count": None,
        "stalled_shipments": None,
    }
    r = await client.get(
        "/v1/analytics/sales",
        params={"from": "2025-02-01", "to": "2025-02-28", "group_by": "store"},
        headers=tokens.hq,
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [{"key": "S1", "orders": 3, "units": 7, "revenue": 12_000}]
    sent = fake.requests[-1]
    assert (sent.from_day, sent.to_day, sent.group_by) == ("2025-02-01", "2025-02-28", "store")
    assert sent.scope.store_id == ""
    r = await client.get(
        "/v1/analytics/sales",
        params={"group_by": "province", "region": "华东"},
        headers=tokens.hq,
    )
    assert r.status_code == 200, r.text
    assert r.json()["group_by"] == "province"
    assert (fake.requests[-1].group_by, fake.requests[-1].region) == ("province", "华东")
    r = await client.get(
        "/v1/analytics/top-products", params={"region": "east", "limit": 3}, headers=tokens.hq
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"][0] == {
        "sku": "TEA-1",
        "name": "Tea",
        "category": "food",
        "units": 9,
        "revenue": 9,
    }
    assert (fake.requests[-1].region, fake.requests[-1].limit) == ("east", 3)


async def test_stores_get_their_own_figures_and_customers_none(
    client: httpx.AsyncClient, tokens: Any, fake_orders: Any
) -> None:
    fake, _ = fake_orders
    r = await client.get("/v1/analytics/sales", headers=tokens.staff_s1)
    assert r.status_code == 200, r.text
    assert fake.requests[-1].scope.store_id == "S1"
    assert (await client.get("/v1/analytics/summary", headers=tokens.alice)).status_code == 403
    bad = await client.get("/v1/analytics/sales?group_by=colour", headers=tokens.hq)
    assert bad.status_code == 422
    refused = await client.get(
        "/v1/analytics/sales", params={"from": "2025-03-10", "to": "2025-03-01"}, headers=tokens.hq
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "from"


async def test_address_correction_and_the_timeline_in_the_order_body(
    client: httpx.AsyncClient, tokens: Any, fake_orders: Any
) -> None:
    fake, _ = fake_orders
    address = {
        "name": "Li",
        "phone": "13800000000",
        "region": "north",
        "city": "Beijing",
        "line1": "8 Chang'an Ave",
    }
    r = await client.patch(
        "/v1/orders/o-1",
        json={"shipping_address": address, "reason": "moved"},
        headers=tokens.alice | {"Idempotency-Key": "k-1"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shipping_address"]["region"] == "华北"
    assert [(s["action"], s["status"], s["actor"]) for s in body["timeline"]] == [
        ("created", "pending_payment", "alice"),
        ("paid", "paid", "alice"),
        ("address_corrected", "paid", "alice"),
    ]
    assert body["timeline"][0]["at"] == "2025-03-01T08:30:00Z"
    assert body["timeline"][0]["from_status"] is None
    assert body["timeline"][2]["reason"] == "moved"
    sent = fake.requests[-1]
    assert (sent.idempotency.key, sent.scope.customer_id) == ("k-1", "C-ALICE")

    late = await client.patch(
        "/v1/orders/shipped-1", json={"shipping_address": address}, headers=tokens.hq
    )
    assert late.status_code == 409
    assert "it is shipped" in late.json()["detail"]
