"""Analytics replies → public shapes."""

from __future__ import annotations

from datetime import date

from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers.orders import STATUSES
from gateway.schemas.analytics import (
    GroupBy,
    SalesPage,
    SalesRowPublic,
    SummaryPublic,
    TopProductPublic,
    TopProductsPage,
)


def day_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def summary_out(reply: orders_pb2.AnalyticsSummary) -> SummaryPublic:
    return SummaryPublic(
        day=date.fromisoformat(reply.day),
        currency=reply.currency or "CNY",
        orders_by_status={
            STATUSES[s.status]: s.count for s in reply.orders_by_status if s.status in STATUSES
        },
        revenue_today=reply.revenue_today,
        orders_today=reply.orders_today,
    )


def sales_out(reply: orders_pb2.SalesResponse, group_by: GroupBy) -> SalesPage:
    return SalesPage(
        items=[
            SalesRowPublic(key=r.key, orders=r.orders, units=r.units, revenue=r.revenue)
            for r in reply.rows
        ],
        currency=reply.currency or "CNY",
        group_by=group_by,
    )


def top_products_out(reply: orders_pb2.TopProductsResponse) -> TopProductsPage:
    return TopProductsPage(
        items=[
            TopProductPublic(
                sku=p.sku, name=p.name, category=p.category, units=p.units, revenue=p.revenue
            )
            for p in reply.items
        ],
        currency=reply.currency or "CNY",
    )
