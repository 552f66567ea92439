"""Head-office analytics from the orders service's sales read models. Head office sees the
whole chain; store staff see their own store's figures only (the Scope says so)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import analytics as mapper
from gateway.adapters.mappers.orders import scope_of
from gateway.api.deps import OrdersDep, StaffUser
from gateway.api.problems import documented
from gateway.schemas.analytics import GroupBy, SalesPage, SummaryPublic, TopProductsPage

router = APIRouter(
    prefix="/v1/analytics", tags=["analytics"], responses=documented(401, 403, 422, 503, 504)
)

FromDay = Annotated[
    date | None,
    Query(alias="from", description="first business day, chain time (default: `to` - 29 days)"),
]
ToDay = Annotated[
    date | None, Query(alias="to", description="last business day, included (default: today)")
]


@router.get("/summary")
async def summary(user: StaffUser, orders: OrdersDep) -> SummaryPublic:
    """Orders by status, and today's net revenue and paid orders."""
    reply = await orders.GetAnalyticsSummary(
        orders_pb2.GetAnalyticsSummaryRequest(scope=scope_of(user))
    )
    return mapper.summary_out(reply)


@router.get("/sales")
async def sales(
    user: StaffUser,
    orders: OrdersDep,
    group_by: GroupBy = "day",
    from_day: FromDay = None,
    to_day: ToDay = None,
    region: Annotated[
        str | None, Query(max_length=64, description="only orders shipped to this sales region")
    ] = None,
) -> SalesPage:
    """`{key, orders, units, revenue}` rows: revenue counts paid orders less refunds, on the
    day they were paid; by day oldest first, otherwise highest revenue first. By province:
    the province shipped to, by name ("" for orders whose address has no codes)."""
    request = orders_pb2.GetSalesRequest(
        scope=scope_of(user),
        from_day=mapper.day_text(from_day),
        to_day=mapper.day_text(to_day),
        group_by=group_by,
        region=region or "",
    )
    return mapper.sales_out(await orders.GetSales(request), group_by)


@router.get("/top-products")
async def top_products(
    user: StaffUser,
    orders: OrdersDep,
    from_day: FromDay = None,
    to_day: ToDay = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopProductsPage:
    """Best sellers by units (then revenue), optionally in one region shipped to."""
    request = orders_pb2.GetTopProductsRequest(
        scope=scope_of(user),
        from_day=mapper.day_text(from_day),
        to_day=mapper.day_text(to_day),
        region=region or "",
        limit=limit,
    )
    return mapper.top_products_out(await orders.GetTopProducts(request))
