"""Use cases' answers → orders/v1 replies. Translation only."""

from __future__ import annotations

from chainstore.orders.v1 import orders_pb2 as pb
from orders.adapters.order_messages import STATUS_TO_PROTO, order_pb
from orders.domain.lines import CURRENCY
from orders.service_layer.analytics import Summary
from orders.service_layer.idempotency import Answer, Replayed
from orders.service_layer.ports import PeriodRow, ProductRow, SalesRow


def order(answer: Answer) -> pb.Order:
    if isinstance(answer, Replayed):
        return pb.Order.FromString(answer.response)
    return order_pb(answer)


def summary(s: Summary) -> pb.AnalyticsSummary:
    return pb.AnalyticsSummary(
        orders_by_status=[
            pb.StatusCount(status=STATUS_TO_PROTO[status], count=count)
            for status, count in s.orders_by_status.items()
        ],
        revenue_today=s.revenue_today,
        orders_today=s.orders_today,
        currency=CURRENCY,
        day=s.day.isoformat(),
    )


def sales(rows: list[SalesRow]) -> pb.SalesResponse:
    return pb.SalesResponse(
        rows=[
            pb.SalesRow(key=r.key, orders=r.orders, units=r.units, revenue=r.revenue) for r in rows
        ],
        currency=CURRENCY,
    )


def top_products(rows: list[ProductRow]) -> pb.TopProductsResponse:
    return pb.TopProductsResponse(
        items=[
            pb.ProductSales(
                sku=r.sku,
                name=r.name,
                category=r.category,
                units=r.units,
                revenue=r.revenue,
                orders=r.orders,
            )
            for r in rows
        ],
        currency=CURRENCY,
    )


def period_figures(row: PeriodRow) -> pb.PeriodFigures:
    return pb.PeriodFigures(
        orders=row.orders,
        cancelled=row.cancelled,
        paid_orders=row.paid_orders,
        paid_revenue=row.paid_revenue,
        currency=CURRENCY,
    )
