"""What the customer pages show, fetched with the API's clients, mappers and scope.

The orders service enforces the scope (a customer sees only their own orders: anything else
is NOT_FOUND), exactly as for GET /v1/orders; tracking goes through the order first, as
GET /v1/orders/{id}/tracking does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import grpc

from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.grpc_clients import LogisticsClient, OrdersClient
from gateway.adapters.mappers import logistics as logistics_mapper
from gateway.adapters.mappers import orders as mapper
from gateway.adapters.mappers.common import next_cursor
from gateway.console.i18n import SHANGHAI
from gateway.core.security import Principal
from gateway.schemas.logistics import OrderShipmentTracking
from gateway.schemas.orders import OrderPublic

# The tabs of /my/orders, in order: "" is 全部 (all).
TABS = ("", "pending_payment", "paid", "shipped", "completed", "cancelled")
PAGE_SIZE = 10
# Counting walks the customer's orders (no count RPC yet): a few pages, then "999+".
COUNT_PAGE = 200
COUNT_CAP = 1000


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD day from a form, None when empty or not a day."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class OrderFilters:
    """The list's filters as the URL carries them; days are Asia/Shanghai calendar days."""

    status: str = ""
    q: str = ""
    day_from: date | None = None
    day_to: date | None = None

    def created_from(self) -> datetime | None:
        return datetime.combine(self.day_from, time(), SHANGHAI) if self.day_from else None

    def created_to(self) -> datetime | None:
        """Exclusive end: the start of the day after `day_to`."""
        if self.day_to is None:
            return None
        return datetime.combine(self.day_to + timedelta(days=1), time(), SHANGHAI)

    def cleared(self) -> OrderFilters:
        """The same tab without search or dates."""
        return OrderFilters(status=self.status)

    def url(self, *, status: str | None = None, cursor: str | None = None) -> str:
        params = {
            "status": self.status if status is None else status,
            "q": self.q,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
            "cursor": cursor or "",
        }
        query = urlencode({k: v for k, v in params.items() if v})
        return "/my/orders" + (f"?{query}" if query else "")

    def request(
        self, user: Principal, *, status: str, limit: int, cursor: str | None
    ) -> orders_pb2.ListOrdersRequest:
        return mapper.list_orders_request(
            mapper.scope_of(user),
            status=status or None,
            store_id=None,
            customer_id=None,
            q=self.q or None,
            created_from=self.created_from(),
            created_to=self.created_to(),
            limit=limit,
            cursor=cursor,
        )


@dataclass
class OrdersPage:
    orders: list[OrderPublic]
    next_cursor: str | None
    counts: dict[str, str] = field(default_factory=dict)


async def _counts(orders: OrdersClient, user: Principal, filters: OrderFilters) -> dict[str, str]:
    """Orders per tab under the search and date filters (paid and confirmed are both 待发货)."""
    seen: Counter[str] = Counter()
    cursor: str | None = None
    total = 0
    while True:
        reply = await orders.ListOrders(
            filters.request(user, status="", limit=COUNT_PAGE, cursor=cursor)
        )
        seen.update(mapper.STATUSES.get(o.status, "") for o in reply.items)
        total += len(reply.items)
        cursor = next_cursor(reply.page)
        if cursor is None or total >= COUNT_CAP:
            break
    more = "+" if cursor is not None else ""
    counts = {status: f"{seen[status]}{more}" for status in TABS if status}
    counts[""] = f"{total}{more}"
    return counts


async def orders_page(
    orders: OrdersClient, user: Principal, filters: OrderFilters, cursor: str | None
) -> OrdersPage:
    page_reply, counts = await asyncio.gather(
        orders.ListOrders(
            filters.request(user, status=filters.status, limit=PAGE_SIZE, cursor=cursor)
        ),
        _counts(orders, user, filters),
    )
    return OrdersPage(
        orders=[mapper.order_out(o) for o in page_reply.items],
        next_cursor=next_cursor(page_reply.page),
        counts=counts,
    )


@dataclass
class OrderView:
    order: OrderPublic
    shipments: list[OrderShipmentTracking]
    carriers: dict[str, str]
    store_name: str

    @property
    def stalled(self) -> list[OrderShipmentTracking]:
        return [s for s in self.shipments if s.stalled and s.cancelled_at is None]

    @property
    def can_pay(self) -> bool:
        return self.order.status == "pending_payment"

    @property
    def can_cancel(self) -> bool:
        return self.order.status in ("pending_payment", "paid")

    @property
    def can_receive(self) -> bool:
        return self.order.status == "shipped"


async def get_order(orders: OrdersClient, user: Principal, order_no: str) -> orders_pb2.Order:
    """The caller's order (NOT_FOUND from the service when it is not theirs)."""
    return await orders.GetOrder(
        orders_pb2.GetOrderRequest(scope=mapper.scope_of(user), order_ref=order_no)
    )


async def _store_name(orders: OrdersClient, store_id: str) -> str:
    """The store's name for "contact the store"; its id if the store cannot be read."""
    try:
        return (
            await orders.GetStore(orders_pb2.GetStoreRequest(store_id=store_id))
        ).name or store_id
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return store_id


async def order_view(
    orders: OrdersClient, logistics: LogisticsClient, user: Principal, order_no: str
) -> OrderView:
    order = await get_order(orders, user, order_no)  # first: it decides what may be seen
    shipments, carriers, store_name = await asyncio.gather(
        logistics.ListShipments(logistics_pb2.ListShipmentsRequest(order_id=order.order_id)),
        logistics.ListCarriers(logistics_pb2.ListCarriersRequest()),
        _store_name(orders, order.store_id),
    )
    return OrderView(
        order=mapper.order_out(order),
        shipments=[logistics_mapper.order_shipment_out(s) for s in shipments.items],
        carriers={c.code: c.name for c in carriers.items},
        store_name=store_name,
    )
