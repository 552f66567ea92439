"""The customer pages against fake services: scope, filters, actions, stalled parcels, /track."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from chainkit.errors import Conflict
from chainkit.grpc_server import create_server
from chainstore.logistics.v1 import logistics_pb2_grpc
from chainstore.orders.v1 import orders_pb2
from gateway.api.deps import SESSION_COOKIE, csrf_token_for
from gateway.core.config import Settings
from gateway.core.security import Principal, create_access_token
from gateway.main import create_app

from .conftest import JWT_SECRET, Backends
from .fakes.common import NOW, ts
from .fakes.logistics import FakeLogistics

ALICE = Principal(username="alice", role="customer", customer_id="C-ALICE")


def sign_in(client: httpx.AsyncClient, principal: Principal = ALICE) -> str:
    token = create_access_token(principal, secret=JWT_SECRET, ttl_s=600)
    client.cookies.set(SESSION_COOKIE, token)
    return csrf_token_for(token, JWT_SECRET)


def tab_count(html: str, label: str) -> str:
    found = re.search(label + r'\s*<span class="count">([^<]*)</span>', html)
    assert found, f"no tab {label}"
    return found[1]


async def test_my_orders_shows_only_the_customers_orders_with_counts_per_tab(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    pending = backends.orders.seed("S1", "C-ALICE")
    paid = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_PAID)
    bobs = backends.orders.seed("S1", "C-BOB")
    sign_in(client)

    r = await client.get("/my/orders")

    assert r.status_code == 200, r.text
    assert pending.order_no in r.text and paid.order_no in r.text
    assert bobs.order_no not in r.text
    assert tab_count(r.text, "全部") == "2"
    assert tab_count(r.text, "待付款") == "1"
    assert tab_count(r.text, "待发货") == "1"
    assert tab_count(r.text, "已发货") == "0"
    assert "¥30.00" in r.text  # 3000 fen
    assert backends.orders.last("ListOrders").scope.customer_id == "C-ALICE"


async def test_tab_search_and_dates_reach_the_orders_service_in_shanghai_days(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    sign_in(client)

    r = await client.get(
        "/my/orders",
        params={"status": "paid", "q": "CS0001", "from": "2025-03-01", "to": "2025-03-02"},
    )

    assert r.status_code == 200, r.text
    listed = [req for name, req in backends.orders.calls if name == "ListOrders"]
    page = next(req for req in listed if req.page.limit == 10)
    assert page.status == "paid" and page.q == "CS0001"
    # Asia/Shanghai days: [03-01 00:00+08, 03-03 00:00+08) in UTC.
    assert page.created_from.ToDatetime(tzinfo=UTC) == datetime(2025, 2, 28, 16, tzinfo=UTC)
    assert page.created_to.ToDatetime(tzinfo=UTC) == datetime(2025, 3, 2, 16, tzinfo=UTC)
    # The counts cover every status under the same search.
    assert any(req.status == "" and req.q == "CS0001" for req in listed)


async def test_pay_needs_the_csrf_token_and_pays_the_orders_own_total(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    csrf = sign_in(client)
    form = {"method": "alipay", "idempotency_key": "k-1", "amount": "1"}

    refused = await client.post(f"/my/orders/{order.order_no}/pay", data=form)
    done = await client.post(f"/my/orders/{order.order_no}/pay", data={**form, "csrf_token": csrf})

    assert refused.status_code == 403
    assert done.status_code == 303
    assert done.headers["location"] == f"/my/orders/{order.order_no}?done=paid"
    paid = backends.orders.last("PayOrder")
    assert backends.orders.count("PayOrder") == 1
    assert paid.payment.amount == order.total == 3000
    assert paid.payment.method == "alipay"
    assert paid.idempotency.key == "k-1"
    assert paid.scope.customer_id == "C-ALICE"


async def test_a_refused_action_is_told_on_the_order_page(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_SHIPPED)
    csrf = sign_in(client)
    backends.orders.fail_next = Conflict("order has shipped: it can no longer be cancelled")

    r = await client.post(
        f"/my/orders/{order.order_no}/cancel",
        data={"csrf_token": csrf, "idempotency_key": "k-2"},
    )

    assert r.status_code == 303
    assert r.headers["location"].endswith("?refused=customer.action.refused")
    page = await client.get(r.headers["location"])
    assert "订单状态已经变化" in page.text


async def test_another_customers_order_is_a_not_found_page(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    bobs = backends.orders.seed("S1", "C-BOB")
    sign_in(client)

    r = await client.get(f"/my/orders/{bobs.order_no}")

    assert r.status_code == 404
    assert "找不到该页面或记录" in r.text
    assert "Li Lei" not in r.text
    assert backends.logistics.count("ListShipments") == 0


async def test_the_order_page_shows_lines_address_parcel_and_the_allowed_actions(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_SHIPPED)
    order.lines[0].spec = "250g"
    sign_in(client)

    r = await client.get(f"/my/orders/{order.order_no}")
    listed = await client.get("/my/orders")

    assert r.status_code == 200, r.text
    html = r.text
    assert "Tea" in html and "¥15.00" in html and "¥30.00" in html
    for page in (html, listed.text):  # the spec (规格) beside the product's name
        assert 'Tea <span class="line-spec">250g</span>' in page
    assert "Li Lei" in html and "1 Road" in html
    assert "Swift Express" in html and "SW123" in html
    assert "运输中" in html and "已揽收" in html and "Shanghai" in html
    assert "2025-03-01 16:30:00" in html  # 08:30 UTC is 16:30 in Shanghai
    assert "确认收货" in html  # shipped: confirm receipt …
    assert "立即付款" not in html and "取消订单" not in html  # … but no pay or cancel
    assert "没有物流更新" not in html


class StalledLogistics(FakeLogistics):
    async def ListShipments(self, request: Any, context: Any) -> Any:
        reply = await super().ListShipments(request, context)
        for shipment in reply.items:
            shipment.stalled = True
            shipment.last_update_at.CopyFrom(ts(NOW - timedelta(days=3)))
        return reply


@pytest.fixture
async def stalled_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a logistics service whose parcels have all stalled."""
    add = functools.partial(
        logistics_pb2_grpc.add_LogisticsServiceServicer_to_server, StalledLogistics()
    )
    server, port, _ = await create_server([add], ["chainstore.logistics.v1.LogisticsService"])
    app = create_app(settings.model_copy(update={"logistics_addr": f"127.0.0.1:{port}"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c
    await server.stop(None)


async def test_a_stalled_parcel_tells_the_customer_to_contact_the_store(
    stalled_client: httpx.AsyncClient, backends: Backends
) -> None:
    await backends.orders.CreateStore(
        orders_pb2.CreateStoreRequest(store=orders_pb2.Store(store_id="S1", name="南京路店")), None
    )
    order = backends.orders.seed("S1", "C-ALICE", status=orders_pb2.ORDER_STATUS_SHIPPED)
    sign_in(stalled_client)

    r = await stalled_client.get(f"/my/orders/{order.order_no}")

    assert r.status_code == 200, r.text
    assert (
        "包裹 SW123 自 2025-02-26 16:30 起没有物流更新。请联系门店「南京路店」询问情况。" in r.text
    )


async def test_track_is_public_and_shows_no_personal_data(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    found = await client.get("/track", params={"waybill": "SW123"})
    missing = await client.get("/track", params={"waybill": "NOPE"})

    assert found.status_code == 200
    assert "SW123" in found.text and "已揽收" in found.text and "Swift Express" in found.text
    for private in ("Li Lei", "13800000000", "o-1", "S1"):
        assert private not in found.text
    assert "没有找到运单 NOPE" in missing.text


async def test_customer_pages_send_other_roles_home(client: httpx.AsyncClient) -> None:
    sign_in(client, Principal(username="clerk", role="store", store_id="S1"))

    r = await client.get("/my/orders")

    assert r.status_code == 303 and r.headers["location"] == "/store"
