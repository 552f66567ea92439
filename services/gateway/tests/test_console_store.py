# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""The store pages against fake services: who may open them, the queue, confirm / address /
ship with their CSRF, the till selling once per form, another store's order, stock and
incoming transfers of the store's own location only."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from chainkit.errors import Conflict
from chainkit.grpc_server import create_server
from chainstore.common.v1 import common_pb2
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from chainstore.orders.v1 import orders_pb2, orders_pb2_grpc
from gateway.api.deps import SESSION_COOKIE, csrf_token_for
from gateway.core.config import Settings
from gateway.core.security import Principal, create_access_token
from gateway.main import create_app

from .conftest import JWT_SECRET, Backends
from .fakes.common import NOW, ts
from .fakes.inventory import FakeInventory
from .fakes.orders import FakeOrders

CLERK = Principal(username="clerk1", role="store", store_id="S1")
OTHER_CLERK = Principal(username="clerk2", role="store", store_id="S2")


def sign_in(client: httpx.AsyncClient, principal: Principal = CLERK) -> str:
    token = create_access_token(principal, secret=JWT_SECRET, ttl_s=600)
    client.cookies.set(SESSION_COOKIE, token)
    return csrf_token_for(token, JWT_SECRET)


class StoreInventory(FakeInventory):
    """The shared fake plus what the store pages read: products, the location's levels,
    transfers listed by destination."""

    async def ListProducts(self, request: Any, context: Any) -> Any:
        await self.record("ListProducts", request)
        return inventory_pb2.ListProductsResponse(items=list(self.products.values()))

    async def ListStockLevels(self, request: Any, context: Any) -> Any:
        await self.record("ListStockLevels", request)
        levels = [
            inventory_pb2.StockLevel(
                sku="TEA-1", location_id=request.location_id, on_hand=9, available=9
            ),
            inventory_pb2.StockLevel(
                sku="SKU-1",
                location_id=request.location_id,
                on_hand=2,
                available=2,
                low_stock_threshold=5,
                in_transit=4,
                low_stock=True,
            ),
        ]
        return inventory_pb2.ListStockLevelsResponse(items=levels)

    async def ListTransfers(self, request: Any, context: Any) -> Any:
        await self.record("ListTransfers", request)
        items = [
            t
            for t in getattr(self, "transfers", {}).values()
            if t.to_location_id == request.to_location_id
            and t.state == inventory_pb2.TRANSFER_STATE_IN_TRANSIT
        ]
        return inventory_pb2.ListTransfersResponse(items=items)


class StoreOrders(FakeOrders):
    """The shared fake plus the address correction and the shipping quote."""

    quote_refusal: Conflict | None = None

    async def QuoteShipping(self, request: Any, context: Any) -> Any:
        await self.record("QuoteShipping", request)
        order = self._find(request.scope, request.order_ref)
        if self.quote_refusal is not None:
            raise self.quote_refusal
        carrier = request.carrier or "swift"
        return orders_pb2.QuoteShippingResponse(
            order_id=order.order_id,
            order_no=order.order_no,
            packages=[
                orders_pb2.ShippingQuote(
                    location_id="WH-EAST",
                    carrier=carrier,
                    service_level=request.service_level or "standard",
                    rule="override" if request.carrier else "cheapest",
                    carrier_reason=f"cheapest meeting standard for east at 800 g ({carrier} 1200)",
                    price=1200,
                    days=1,
                    weight_g=800,
                    eligible_carriers=["swift"],
                )
            ],
        )

    async def UpdateShippingAddress(self, request: Any, context: Any) -> Any:
        await self.record("UpdateShippingAddress", request)
        order = self._find(request.scope, request.order_ref)
        order.shipping_address.CopyFrom(request.shipping_address)
        return order


@pytest.fixture
async def store_client(
    settings: Settings, backends: Backends
) -> AsyncIterator[tuple[httpx.AsyncClient, StoreInventory]]:
    inventory = StoreInventory()
    for sku, name, price in (("TEA-1", "龙井茶", 12800), ("SNK-1", "Seeds", 1590)):
        inventory.products[sku] = inventory_pb2.Product(
            sku=sku, name=name, price=common_pb2.Money(amount=price, currency="CNY")
        )
    add = functools.partial(inventory_pb2_grpc.add_InventoryServiceServicer_to_server, inventory)
    server, port, _ = await create_server([add], ["chainstore.inventory.v1.InventoryService"])
    backends.orders = StoreOrders()
    add = functools.partial(orders_pb2_grpc.add_OrdersServiceServicer_to_server, backends.orders)
    orders_server, orders_port, _ = await create_server(
        [add], ["chainstore.orders.v1.OrdersService"]
    )
    for store_id in ("S1", "S2"):
        await backends.orders.CreateStore(
            orders_pb2.CreateStoreRequest(
                store=orders_pb2.Store(
                    store_id=store_id, name=f"南京路店 {store_id}", location_id=f"LOC-{store_id}"
                )
            ),
            None,
        )
    addrs = {"inventory_addr": f"127.0.0.1:{port}", "orders_addr": f"127.0.0.1:{orders_port}"}
    app = create_app(settings.model_copy(update=addrs))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c, inventory
    await server.stop(None)
    await orders_server.stop(None)


def paid(backends: Backends, store_id: str = "S1", *, confirmed: bool = False) -> orders_pb2.Order:
    order = backends.orders.seed(store_id, "C-ALICE", status=orders_pb2.ORDER_STATUS_PAID)
    order.paid_at.CopyFrom(ts(NOW))
    if confirmed:
        order.confirmed_at.CopyFrom(ts(NOW))
    order.payment.CopyFrom(orders_pb2.Payment(method="alipay", amount=order.total))
    return order


@pytest.mark.parametrize(
    ("principal", "where"),
    [
        (Principal(username="alice", role="customer", customer_id="C-ALICE"), "/my/orders"),
        (Principal(username="hq", role="hq"), "/dashboard"),
    ],
)
async def test_only_store_staff_open_store_pages(
    store_client: tuple[httpx.AsyncClient, StoreInventory], principal: Principal, where: str
) -> None:
    client, _ = store_client
    for path in ("/store", "/store/till", "/store/stock", "/store/transfers", "/store/shipments"):
        assert (await client.get(path)).headers["location"].startswith("/?next=")
        sign_in(client, principal)
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == where, path
        client.cookies.clear()


async def test_every_store_page_renders_for_staff(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    sign_in(client)
    for path in ("/store", "/store/till", "/store/stock", "/store/transfers", "/store/shipments"):
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert 'href="/store/till"' in r.text and "/static/js/store.js" in r.text
    client.cookies.set("chainstore_lang", "en")
    english = await client.get("/store")
    assert "Orders to review" in english.text and "待处理订单" not in english.text


async def test_the_queue_shows_the_stores_paid_orders_only(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    mine = paid(backends)
    theirs = paid(backends, "S2")
    sign_in(client)

    r = await client.get("/store")

    assert r.status_code == 200, r.text
    assert mine.order_no in r.text and theirs.order_no not in r.text
    assert "¥30.00" in r.text and "2025-03-01 16:30" in r.text  # Shanghai time
    listed = backends.orders.last("ListOrders")
    assert listed.scope.store_id == "S1" and listed.store_id == "S1"
    assert listed.status == "paid"
    assert backends.logistics.last("ListShipments").store_id == "S1"
    # The live refresh asks for the queue alone.
    fragment = await client.get("/store", headers={"HX-Request": "true", "HX-Target": "queue"})
    assert fragment.text.lstrip().startswith('<section id="queue"')
    assert mine.order_no in fragment.text


async def test_another_stores_order_is_neither_shown_nor_actionable(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    theirs = paid(backends, "S2")
    csrf = sign_in(client)

    page = await client.get(f"/store/orders/{theirs.order_no}")
    form = {"csrf_token": csrf, "idempotency_key": "k-x"}
    confirm = await client.post(f"/store/orders/{theirs.order_no}/confirm", data=form)
    ship = await client.post(f"/store/orders/{theirs.order_no}/ship", data=form)

    for r in (page, confirm, ship):
        assert r.status_code == 404
        assert "Li Lei" not in r.text and "找不到该页面或记录" in r.text
    assert backends.orders.last("ShipOrder").scope.store_id == "S1"
    assert theirs.status == orders_pb2.ORDER_STATUS_PAID
    assert backends.logistics.count("ListShipments") == 0


async def test_confirm_needs_the_csrf_token_and_keeps_its_key(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends)
    csrf = sign_in(client)

    page = await client.get(f"/store/orders/{order.order_no}")
    key = re.search(r'name="idempotency_key" value="([^"]+-confirm)"', page.text)
    assert key, page.text
    refused = await client.post(
        f"/store/orders/{order.order_no}/confirm", data={"idempotency_key": key[1]}
    )
    done = await client.post(
        f"/store/orders/{order.order_no}/confirm",
        data={"idempotency_key": key[1], "csrf_token": csrf},
    )

    assert refused.status_code == 403
    assert done.status_code == 303
    assert done.headers["location"] == f"/store/orders/{order.order_no}?done=confirmed"
    assert backends.orders.count("ConfirmOrder") == 1
    confirmed = backends.orders.last("ConfirmOrder")
    assert confirmed.idempotency.key == key[1] and confirmed.scope.store_id == "S1"


async def test_ship_by_rules_or_override_and_show_the_carrier_and_its_reason(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends, confirmed=True)
    csrf = sign_in(client)

    page = await client.get(f"/store/orders/{order.order_no}")
    assert "按规则选择（推荐）" in page.text and "Swift Express" in page.text
    by_rules = await client.post(
        f"/store/orders/{order.order_no}/ship",
        data={"csrf_token": csrf, "idempotency_key": "k-ship", "carrier": ""},
    )
    override = await client.post(
        f"/store/orders/{order.order_no}/ship",
        data={
            "csrf_token": csrf,
            "idempotency_key": "k-ship-2",
            "carrier": "swift",
            "service_level": "express",
        },
    )
    shipped = await client.get(by_rules.headers["location"])

    assert by_rules.status_code == override.status_code == 303
    first, second = [req for name, req in backends.orders.calls if name == "ShipOrder"]
    assert first.carrier == "" and first.service_level == ""
    assert second.carrier == "swift" and second.service_level == "express"
    assert "已发货，运单如下。" in shipped.text
    assert "SW123" in shipped.text and "规则选择" in shipped.text
    assert "cheapest meeting standard for east at 800 g" in shipped.text


async def test_the_ship_form_names_the_suggested_carrier_and_why_before_shipping(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends, confirmed=True)
    sign_in(client)

    page = await client.get(f"/store/orders/{order.order_no}")

    asked = backends.orders.last("QuoteShipping")
    assert (asked.scope.store_id, asked.order_ref, asked.carrier) == ("S1", order.order_no, "")
    start = page.text.index('id="ship-quote"')
    quote = page.text[start : page.text.index("</form>", start)]
    assert "建议承运商" in quote and "Swift Express" in quote
    assert "规则：满足时效的承运商中最便宜的" in quote and "运费 ¥12.00" in quote
    assert "cheapest meeting standard for east at 800 g" in quote
    assert quote.index("Swift Express") < quote.index('type="submit"')  # above the button
    # The override stays on "by the rules": nothing is pre-selected for staff.
    assert re.search(r'name="carrier" value="" checked', page.text)
    assert not re.search(r'name="carrier" value="swift" checked', page.text)
    assert backends.orders.count("ShipOrder") == 0

    picked = await client.get(
        f"/store/orders/{order.order_no}/quote",
        params={"carrier": "swift", "service_level": "express"},
        headers={"HX-Request": "true"},
    )
    assert picked.status_code == 200 and picked.text.lstrip().startswith('<div id="ship-quote"')
    again = backends.orders.last("QuoteShipping")
    assert (again.carrier, again.service_level) == ("swift", "express")
    assert "员工指定的承运商" in picked.text and "特快" in picked.text


async def test_a_refused_quote_is_shown_and_shipping_stays_possible(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends, confirmed=True)
    sign_in(client)
    assert isinstance(backends.orders, StoreOrders)
    backends.orders.quote_refusal = Conflict("no carrier serves 西北 (province 630000) at 40000 g")

    page = await client.get(f"/store/orders/{order.order_no}")

    assert page.status_code == 200
    assert "暂时无法给出建议承运商：no carrier serves 西北" in page.text
    assert "发货</button>" in page.text
    other = await client.get(f"/store/orders/{order.order_no}/quote", params={"carrier": "x"})
    assert other.status_code == 200  # an override it cannot check is still answered


async def test_another_stores_staff_get_no_quote(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends, "S2", confirmed=True)
    sign_in(client)
    r = await client.get(f"/store/orders/{order.order_no}/quote")
    assert "Swift Express" not in r.text and "no order" in r.text
    assert backends.orders.last("QuoteShipping").scope.store_id == "S1"


async def test_a_refused_ship_says_why_on_the_order_page(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends)
    csrf = sign_in(client)
    backends.orders.fail_next = Conflict(f"order {order.order_no} must be confirmed first")

    r = await client.post(
        f"/store/orders/{order.order_no}/ship",
        data={"csrf_token": csrf, "idempotency_key": "k-s"},
    )

    assert r.status_code == 409
    assert "订单状态已经变化" in r.text and "must be confirmed first" in r.text


async def test_the_address_is_corrected_before_shipping(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    order = paid(backends)
    csrf = sign_in(client)
    address = {
        "name": "王小丽",
        "phone": "13800001234",
        "region": "north",
        "city": "北京",
        "line1": "东城区王府井大街1号",
    }

    incomplete = await client.post(
        f"/store/orders/{order.order_no}/address",
        data={**address, "line1": "", "csrf_token": csrf, "idempotency_key": "k-a"},
    )
    done = await client.post(
        f"/store/orders/{order.order_no}/address",
        data={**address, "reason": "顾客来电", "csrf_token": csrf, "idempotency_key": "k-a"},
    )

    assert incomplete.status_code == 422 and "请完整填写" in incomplete.text
    assert "王小丽" in incomplete.text  # what was typed is kept
    assert done.status_code == 303 and done.headers["location"].endswith("?done=address")
    sent = backends.orders.last("UpdateShippingAddress")
    assert sent.shipping_address.line1 == "东城区王府井大街1号"
    assert sent.reason == "顾客来电" and sent.scope.store_id == "S1"


async def test_a_double_submitted_sale_sells_once(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    csrf = sign_in(client)
    form_page = await client.get("/store/till")
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', form_page.text)
    assert key, form_page.text
    assert "龙井茶" in form_page.text  # the name look-up list
    sale = {
        "csrf_token": csrf,
        "idempotency_key": key[1],
        "method": "wechat_pay",
        "sku": ["tea-1", "SNK-1", "", "TEA-1"],
        "qty": ["1", "2", "1", "1"],
    }

    first = await client.post("/store/till", data=sale)
    again = await client.post("/store/till", data=sale)

    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    created = [req for name, req in backends.orders.calls if name == "CreateOrder"]
    assert [req.idempotency.key for req in created] == [key[1], key[1]]
    pos = [o for o in backends.orders.orders.values() if o.channel == orders_pb2.CHANNEL_POS]
    assert len(pos) == 1  # the service answered the retry with the first sale
    sent = created[0]
    assert sent.channel == orders_pb2.CHANNEL_POS and sent.store_id == "S1"
    assert sent.customer_id == "walk-in"
    assert [(x.sku, x.qty) for x in sent.lines] == [("TEA-1", 2), ("SNK-1", 2)]
    assert sent.payment.method == "wechat_pay"
    assert sent.payment.amount == 2 * 12800 + 2 * 1590
    receipt = await client.get(first.headers["location"])
    assert pos[0].order_no in receipt.text
    fresh = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', receipt.text)
    assert fresh and fresh[1] != key[1]  # the next sale is a new one
    without_csrf = await client.post("/store/till", data={**sale, "csrf_token": ""})
    assert without_csrf.status_code == 403
    assert backends.orders.count("CreateOrder") == 2


async def test_an_unknown_sku_is_refused_by_name_and_nothing_is_sold(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    csrf = sign_in(client)

    r = await client.post(
        "/store/till",
        data={
            "csrf_token": csrf,
            "idempotency_key": "k-t",
            "method": "cash",
            "sku": ["NOPE-9", "TEA-1"],
            "qty": ["1", "1"],
        },
    )

    assert r.status_code == 409
    assert "没有这些商品编码：NOPE-9" in r.text
    assert 'value="NOPE-9"' in r.text  # the lines stay as entered
    assert backends.orders.count("CreateOrder") == 0


async def test_stock_shows_the_stores_own_location_with_low_flags(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, inventory = store_client
    sign_in(client)

    r = await client.get("/store/stock")

    assert r.status_code == 200, r.text
    assert inventory.last("ListStockLevels").location_id == "LOC-S1"
    assert inventory.last("ListLowStock").location_id == "LOC-S1"
    low_row = re.search(r'<tr data-sku="SKU-1" class="is-low">.*?</tr>', r.text, re.S)
    assert low_row and "库存偏低" in low_row[0] and "建议从 WH-2 调拨 8 件" in low_row[0]
    assert "库存偏低" not in re.search(r'<tr data-sku="TEA-1">.*?</tr>', r.text, re.S)[0]  # type: ignore[index]


async def test_incoming_transfers_are_the_stores_own_and_received_once(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, inventory = store_client
    for tid, to in (("T-1", "LOC-S1"), ("T-2", "LOC-S2")):
        await inventory.CreateTransfer(
            inventory_pb2.CreateTransferRequest(
                transfer_id=tid,
                from_location_id="WH-EAST",
                to_location_id=to,
                lines=[common_pb2.SkuQty(sku="TEA-1", qty=3)],
            ),
            None,
        )
    csrf = sign_in(client)

    page = await client.get("/store/transfers")
    other = await client.post(
        "/store/transfers/T-2/receive", data={"csrf_token": csrf, "idempotency_key": "T-2"}
    )
    unsafe = await client.post("/store/transfers/T-1/receive", data={"idempotency_key": "T-1"})
    done = await client.post(
        "/store/transfers/T-1/receive", data={"csrf_token": csrf, "idempotency_key": "T-1"}
    )

    assert 'data-transfer-id="T-1"' in page.text and "T-2" not in page.text
    assert "来自 WH-EAST" in page.text and "龙井茶" in page.text
    assert inventory.last("ListTransfers").to_location_id == "LOC-S1"
    assert other.status_code == 404 and unsafe.status_code == 403
    assert done.status_code == 303 and done.headers["location"] == "/store/transfers?received=T-1"
    received = [req for name, req in inventory.calls if name == "ReceiveTransfer"]
    assert [r.transfer_id for r in received] == ["T-1"]
    assert received[0].receipt_id and received[0].actor == "clerk1"


async def test_shipments_filter_stalled_and_exception_for_the_own_store(
    store_client: tuple[httpx.AsyncClient, StoreInventory], backends: Backends
) -> None:
    client, _ = store_client
    sign_in(client, OTHER_CLERK)

    stalled = await client.get("/store/shipments", params={"show": "stalled"})
    exception = await client.get("/store/shipments", params={"show": "exception"})

    assert stalled.status_code == exception.status_code == 200
    requests = [req for name, req in backends.logistics.calls if name == "ListShipments"]
    assert [(r.store_id, r.stalled_only, r.status) for r in requests] == [
        ("S2", True, ""),
        ("S2", False, "exception"),
    ]
    assert "SW123" in stalled.text and "运输中" in stalled.text
