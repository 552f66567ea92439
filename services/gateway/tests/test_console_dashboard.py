# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""Head office's dashboard against fake services: only hq sees it, its figures on known
data (Shanghai days, averages, rates, region by category), the one-click transfer (CSRF,
idempotency), the low-stock board and stalled parcels."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from chainkit.grpc_server import create_server
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore.orders.v1 import orders_pb2_grpc
from gateway.api.deps import SESSION_COOKIE, csrf_token_for
from gateway.api.routes.inventory import command_id
from gateway.console.dashboard_data import shanghai_today
from gateway.console.i18n import SHANGHAI
from gateway.core.config import Settings
from gateway.core.security import Principal, create_access_token

from .conftest import JWT_SECRET, Backends
from .fakes.orders import FakeOrders

HQ = Principal(username="hq", role="hq")
STAFF = Principal(username="clerk1", role="store", store_id="S1")
ALICE = Principal(username="alice", role="customer", customer_id="C-ALICE")


def sign_in(client: httpx.AsyncClient, principal: Principal = HQ) -> str:
    token = create_access_token(principal, secret=JWT_SECRET, ttl_s=600)
    client.cookies.set(SESSION_COOKIE, token)
    return csrf_token_for(token, JWT_SECRET)


def row(key: str, orders: int, revenue: int) -> pb.SalesRow:
    return pb.SalesRow(key=key, orders=orders, units=orders * 2, revenue=revenue)


class FakeDashboardOrders(FakeOrders):
    """Known figures: a day's orders by its Shanghai date; sales by grouping and region."""

    def __init__(self) -> None:
        super().__init__()
        self.days: dict[date, pb.PeriodFigures] = {}
        self.sales: dict[tuple[str, str], list[pb.SalesRow]] = {}
        self.top = [
            pb.ProductSales(sku="TEA-1", name="龙井", category="tea", units=9, revenue=9900)
        ]

    async def GetPeriodFigures(self, request: Any, context: Any) -> Any:
        await self.record("GetPeriodFigures", request)
        day = request.start.ToDatetime(tzinfo=UTC).astimezone(SHANGHAI).date()
        return self.days.get(day, pb.PeriodFigures(currency="CNY"))

    async def GetSales(self, request: Any, context: Any) -> Any:
        await self.record("GetSales", request)
        rows = self.sales.get((request.group_by, request.region), [])
        return pb.SalesResponse(rows=rows, currency="CNY")

    async def GetTopProducts(self, request: Any, context: Any) -> Any:
        await self.record("GetTopProducts", request)
        return pb.TopProductsResponse(items=self.top, currency="CNY")


@pytest.fixture
async def orders_fake() -> AsyncIterator[tuple[FakeDashboardOrders, str]]:
    fake = FakeDashboardOrders()
    server, port, _health = await create_server(
        [functools.partial(orders_pb2_grpc.add_OrdersServiceServicer_to_server, fake)],
        ["chainstore.orders.v1.OrdersService"],
    )
    yield fake, f"127.0.0.1:{port}"
    await server.stop(None)


@pytest.fixture
def settings(settings: Settings, orders_fake: tuple[FakeDashboardOrders, str]) -> Settings:
    return settings.model_copy(update={"orders_addr": orders_fake[1]})


@pytest.fixture
def fake(orders_fake: tuple[FakeDashboardOrders, str]) -> FakeDashboardOrders:
    return orders_fake[0]


def charts(page: str) -> dict[str, Any]:
    found = re.findall(r"data-chart-name=\"(\w+)\" data-chart='([^']*)'", page)
    return {name: json.loads(html.unescape(spec)) for name, spec in found}


def kpi(page: str, key: str) -> str:
    found = re.search(rf'data-kpi="{key}">(.*?)</article>', page, re.S)
    assert found, f"no card {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1])).strip()


PAGES = [
    "/dashboard",
    "/dashboard/today",
    "/dashboard/sales",
    "/dashboard/stock",
    "/dashboard/parcels",
    "/dashboard/orders/CS1",
]


@pytest.mark.parametrize("path", PAGES)
async def test_only_head_office_sees_the_dashboard(
    client: httpx.AsyncClient, backends: Backends, fake: FakeDashboardOrders, path: str
) -> None:
    anonymous = await client.get(path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/?next=/dashboard")
    for principal, home in ((ALICE, "/my/orders"), (STAFF, "/store")):
        sign_in(client, principal)
        r = await client.get(path)
        assert (r.status_code, r.headers.get("location")) == (303, home), path
    assert not [c for c in fake.calls if c[0] != "ListStores"]
    assert not backends.inventory.calls and not backends.logistics.calls
    fake.seed("S1", "C-ALICE", order_no="CS1")
    sign_in(client, HQ)
    r = await client.get(path)
    assert r.status_code == 200, r.text


async def test_store_staff_cannot_transfer_from_the_dashboard(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    csrf = sign_in(client, STAFF)
    r = await client.post(
        "/dashboard/stock/transfer",
        data={
            "csrf_token": csrf,
            "from_location_id": "WH-2",
            "to_location_id": "WH-1",
            "sku": "SKU-1",
            "qty": "8",
            "idempotency_key": "k1",
        },
    )
    assert (r.status_code, r.headers["location"]) == (303, "/store")
    assert backends.inventory.count("CreateTransfer") == 0


async def test_today_against_yesterday_in_shanghai_days(
    client: httpx.AsyncClient, fake: FakeDashboardOrders
) -> None:
    today = shanghai_today()
    fake.days[today] = pb.PeriodFigures(
        orders=40, cancelled=4, paid_orders=30, paid_revenue=360_000
    )
    fake.days[today - timedelta(days=1)] = pb.PeriodFigures(
        orders=32, cancelled=2, paid_orders=25, paid_revenue=250_000
    )
    sign_in(client)

    page = (await client.get("/dashboard")).text

    assert kpi(page, "orders") == "今日订单 40 昨日 32 ▲ +25.0%"
    assert kpi(page, "revenue") == "今日实收 ¥3,600.00 昨日 ¥2,500.00 ▲ +44.0%"
    assert kpi(page, "average") == "客单价 ¥120.00 昨日 ¥100.00 ▲ +20.0%"
    # 4 of 40 against 2 of 32: up 3.75 points, which is bad news.
    assert kpi(page, "cancel_rate") == "取消率 10.0% 昨日 6.2% ▲ +3.8 个百分点"
    assert (
        'data-kpi="cancel_rate"' in page and "tone-bad" in page.split('data-kpi="cancel_rate"')[1]
    )
    assert f"今天是 {today.isoformat()}（北京时间）" in page
    windows = [
        (r.start.ToDatetime(tzinfo=UTC), r.end.ToDatetime(tzinfo=UTC))
        for name, r in fake.calls
        if name == "GetPeriodFigures"
    ]
    midnight = datetime(today.year, today.month, today.day, tzinfo=SHANGHAI).astimezone(UTC)
    assert sorted(windows) == [
        (midnight - timedelta(days=1), midnight),
        (midnight, midnight + timedelta(days=1)),
    ]
    assert midnight.hour == 16  # 00:00 in Shanghai is 16:00 UTC the day before

    fake.days.clear()  # a quiet day: no division by zero, no invented change
    cards = (await client.get("/dashboard/today")).text
    assert kpi(cards, "average") == "客单价 — 昨日 —"
    assert kpi(cards, "orders") == "今日订单 0 昨日 0"


async def test_sales_fragment_on_known_data(
    client: httpx.AsyncClient, fake: FakeDashboardOrders
) -> None:
    fake.stores["S1"] = pb.Store(store_id="S1", name="南京路店", region="east")
    fake.sales = {
        ("day", ""): [row("2025-02-03", 3, 12_000), row("2025-02-05", 1, 5_000)],
        ("store", ""): [row("S1", 4, 17_000), row("S9", 1, 1_000)],
        ("region", ""): [row("east", 3, 300_000), row("north", 1, 100_000)],
        ("category", "east"): [row("tea", 2, 200_000), row("snacks", 1, 100_000)],
        ("category", "north"): [row("grocery", 1, 70_000), row("tea", 1, 30_000)],
    }
    sign_in(client)

    r = await client.get("/dashboard/sales", params={"from": "2025-02-01", "to": "2025-02-07"})

    assert r.status_code == 200, r.text
    specs = charts(r.text)
    assert specs["day"]["labels"] == [f"2025-02-0{d}" for d in range(1, 8)]
    assert specs["day"]["values"] == [0, 0, 12_000, 0, 5_000, 0, 0]
    assert specs["store"]["labels"] == ["南京路店", "S9"]  # names where the store is known
    assert specs["region"] == {
        "kind": "bar",
        "labels": ["east", "north"],
        "values": [300_000, 100_000],
    }
    # The chain's categories are the regions' summed: tea 2,000 + 300, snacks 1,000, grocery 700.
    assert specs["category"]["labels"] == ["tea", "snacks", "grocery"]
    assert specs["category"]["values"] == [230_000, 100_000, 70_000]
    assert "demand" not in specs  # the heat map is a table: regions by the chain's top categories
    heat = re.search(r'<table class="heat".*?</table>', r.text, re.S)
    assert heat
    cells = [
        re.findall(r"<td[^>]*>([^<]*)</td>", tr)
        for tr in re.findall(r"<tr>(.*?)</tr>", heat[0], re.S)
        if "<td" in tr
    ]
    assert re.findall(r'<th scope="col" class="num">([^<]*)</th>', heat[0]) == [
        "tea",
        "snacks",
        "grocery",
    ]
    assert cells == [["¥2,000.00", "¥1,000.00", "—"], ["¥300.00", "—", "¥700.00"]]
    assert 'class="num hot" style="background: rgba(11, 95, 90, 1.00)"' in heat[0]
    text = html.unescape(r.text)
    assert "east：tea 需求最高，销售额 ¥2,000.00，占该区 67%" in text
    assert "north：grocery 需求最高，销售额 ¥700.00，占该区 70%" in text
    assert "龙井" in text and "¥99.00" in text
    sent = [req for name, req in fake.calls if name == "GetSales"]
    assert {(s.group_by, s.region) for s in sent} == set(fake.sales)
    assert {(s.from_day, s.to_day) for s in sent} == {("2025-02-01", "2025-02-07")}
    assert all(s.scope.actor == "hq" and not s.scope.store_id for s in sent)


async def test_the_range_defaults_to_the_last_seven_days_and_refuses_nonsense(
    client: httpx.AsyncClient, fake: FakeDashboardOrders
) -> None:
    sign_in(client)
    today = shanghai_today()
    week = ((today - timedelta(days=6)).isoformat(), today.isoformat())

    home = await client.get("/dashboard")
    assert f'content="/dashboard/sales?from={week[0]}&amp;to={week[1]}"' in home.text
    for params in ({}, {"from": "2025-03-10", "to": "2025-03-01"}, {"from": "2020-01-01"}):
        fake.calls.clear()
        r = await client.get("/dashboard/sales", params=params)
        sent = {(s.from_day, s.to_day) for name, s in fake.calls if name == "GetSales"}
        assert sent == {week}, params
        assert ("无效" in r.text) == bool(params)


def transfer_form(csrf: str | None, key: str) -> dict[str, str]:
    form = {
        "from_location_id": "WH-2",
        "to_location_id": "WH-1",
        "sku": "SKU-1",
        "qty": "8",
        "idempotency_key": key,
    }
    return form | ({"csrf_token": csrf} if csrf else {})


async def test_one_click_transfer_is_csrf_safe_and_made_once_per_key(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    csrf = sign_in(client)
    htmx = {"HX-Request": "true"}

    forged = await client.post("/dashboard/stock/transfer", data=transfer_form(None, "k1"))
    wrong = await client.post("/dashboard/stock/transfer", data=transfer_form("nope", "k1"))
    assert forged.status_code == wrong.status_code == 403
    assert backends.inventory.count("CreateTransfer") == 0

    first = await client.post(
        "/dashboard/stock/transfer", data=transfer_form(csrf, "k1"), headers=htmx
    )
    again = await client.post(
        "/dashboard/stock/transfer", data=transfer_form(csrf, "k1"), headers=htmx
    )
    other = await client.post(
        "/dashboard/stock/transfer", data=transfer_form(csrf, "k2"), headers=htmx
    )

    assert first.status_code == again.status_code == other.status_code == 200
    assert "已发起调拨：从 WH-2 调出 8 件" in first.text
    ids = [r.transfer_id for name, r in backends.inventory.calls if name == "CreateTransfer"]
    # The same key is the same transfer id: inventory applies it once.
    assert ids[0] == ids[1] == command_id(HQ, "k1", "transfer") != ids[2]
    made = backends.inventory.last("CreateTransfer")
    assert (made.from_location_id, made.to_location_id, made.actor) == ("WH-2", "WH-1", "hq")
    assert [(x.sku, x.qty) for x in made.lines] == [("SKU-1", 8)]

    plain = await client.post("/dashboard/stock/transfer", data=transfer_form(csrf, "k3"))
    assert (plain.status_code, plain.headers["location"]) == (303, "/dashboard?moved=1#stock")


async def test_low_stock_board_offers_the_suggestion_with_a_fresh_key_per_render(
    client: httpx.AsyncClient, backends: Backends
) -> None:
    sign_in(client)
    first = (await client.get("/dashboard/stock")).text
    second = (await client.get("/dashboard/stock")).text

    assert 'name="from_location_id" value="WH-2"' in first
    assert 'name="qty" value="8"' in first
    assert "从 WH-2 调拨 8 件" in first and "nearest with surplus" in first
    key = re.compile(r'name="idempotency_key" value="([^"]+)"')
    assert key.search(first) and key.search(second)
    assert key.findall(first) != key.findall(second)
    assert backends.inventory.last("ListLowStock").location_id == ""  # the whole chain


async def test_stalled_parcels_per_carrier(client: httpx.AsyncClient, backends: Backends) -> None:
    sign_in(client)
    r = await client.get("/dashboard/parcels")

    assert r.status_code == 200
    assert backends.logistics.last("ListShipments").stalled_only is True
    assert "Swift Express" in r.text and "1 件停滞" in r.text
    assert 'href="/track?waybill=SW123"' in r.text


async def test_the_first_paint_shows_a_carrier_push_gap_open_now(
    client: httpx.AsyncClient, backends: Backends, fake: FakeDashboardOrders
) -> None:
    sign_in(client)
    quiet = await client.get("/dashboard")
    assert '<li class="none muted">目前没有承运商中断推送。</li>' in quiet.text
    assert 'data-carrier="swift"' not in quiet.text

    backends.logistics.push_gap_since = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    r = await client.get("/dashboard")

    gaps = r.text[r.text.index('id="push-gaps"') : r.text.index("</ul>", r.text.index("push-gaps"))]
    assert 'data-carrier="swift"' in gaps
    assert "Swift Express 自 2025-03-01 09:30 起停止推送物流信息" in gaps  # Shanghai time
    assert 'class="none' not in gaps


async def test_the_dashboard_opens_when_logistics_does_not_answer(
    client: httpx.AsyncClient, backends: Backends, fake: FakeDashboardOrders
) -> None:
    from chainkit.errors import Unavailable

    sign_in(client)
    backends.logistics.fail_next = Unavailable("logistics is restarting")
    r = await client.get("/dashboard")
    assert r.status_code == 200
    assert '<li class="none muted">暂时无法读取承运商状态' in r.text
