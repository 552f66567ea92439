"""The data-set loader: realistic rows every query can read, read models that add up."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, inspect, select

from chainkit.db import create_engine, session_factory
from chainstore_dev.orders_data.loadgen import load
from orders.adapters.analytics_tables import SALES_DAILY
from orders.adapters.tables import ORDER
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import bootstrap
from orders.entrypoints.config import Settings
from orders.service_layer import analytics
from orders.service_layer import commands as c
from orders.service_layer.deps import Deps
from orders.service_layer.queries import list_orders


async def test_loaded_orders_are_listable_and_the_rollups_match_the_orders(
    database_url: str, settings: Settings
) -> None:
    await load(database_url, 3000, stores=20, skus=50)
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        app = bootstrap(settings, sessions, inventory=Any, logistics=Any)  # type: ignore[arg-type]
        deps = Deps(app.deps.uow, app.deps.inventory, app.deps.logistics)
        async with sessions() as s:
            expected = dict(
                (
                    await s.execute(
                        select(ORDER.c.store_id, func.sum(ORDER.c.total))
                        .where(ORDER.c.paid_at.is_not(None), ORDER.c.refunded_amount == 0)
                        .group_by(ORDER.c.store_id)
                    )
                ).all()
            )
            statuses = set((await s.execute(select(ORDER.c.status).distinct())).scalars())
        assert statuses >= {"paid", "shipped", "completed", "cancelled"}  # + pending if recent
        sales = answer.sales(
            await analytics.sales(deps, c.Scope(), "2025-11-01", "2026-11-27", "store")
        )
        assert {r.key: r.revenue for r in sales.rows} == expected
        # The loader builds the secondary indexes after the rows: every one must be back.
        async with engine.connect() as conn:
            indexes = await conn.run_sync(
                lambda sync: {i["name"] for i in inspect(sync).get_indexes("ord_order")}
            )
        assert indexes >= {
            "ix_ord_order_customer_created",
            "ix_ord_order_store_created",
            "ix_ord_order_store_status_created",
            "ix_ord_order_status_created",
            "ix_ord_order_created",
            "ix_ord_order_status_due",
            "ix_ord_order_release_pending",
        }
        page, cursor = await list_orders(deps, c.ListOrders(status="shipped", limit=5))
        assert len(page) == 5 and cursor and all(o.timeline for o in page)
        assert [e.action for e in page[0].timeline][-1] == "shipped"
    finally:
        await engine.dispose()


async def test_chain_wide_figures_from_months_and_edge_days_equal_the_daily_rows(
    database_url: str, settings: Settings
) -> None:
    """Long chain-wide windows read whole months from ord_sales_monthly and only the partial
    months' days from ord_sales_daily: every split must equal summing the daily rows."""
    await load(database_url, 3000, stores=20, skus=50)
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        app = bootstrap(settings, sessions, inventory=Any, logistics=Any)  # type: ignore[arg-type]
        t = SALES_DAILY
        windows = [
            ("2025-11-28", "2026-11-27"),  # partial months at both ends
            ("2026-02-01", "2026-04-30"),  # whole months only
            ("2026-02-10", "2026-02-20"),  # inside one month
            ("2026-01-31", "2026-03-01"),  # one whole month and a day either side
        ]
        for first, last in windows:
            in_window = [t.c.day >= date.fromisoformat(first), t.c.day <= date.fromisoformat(last)]
            async with sessions() as s:
                rows = (
                    await s.execute(
                        select(t.c.sku, func.sum(t.c.units), func.sum(t.c.revenue))
                        .where(*in_window)
                        .group_by(t.c.sku)
                    )
                ).all()
                categories = (
                    await s.execute(
                        select(t.c.category, func.sum(t.c.category_orders), func.sum(t.c.revenue))
                        .where(*in_window)
                        .group_by(t.c.category)
                    )
                ).all()
                east_revenue = (
                    await s.execute(
                        select(func.sum(t.c.revenue)).where(*in_window, t.c.region == "华东")
                    )
                ).scalar_one()
            expected = {sku: (int(u), int(r)) for sku, u, r in rows}
            got = answer.sales(await analytics.sales(app.deps, c.Scope(), first, last, "product"))
            assert {r.key: (r.units, r.revenue) for r in got.rows} == expected, (first, last)
            top = answer.top_products(
                await analytics.top_products(app.deps, c.Scope(), first, last, "", 100)
            )
            assert {p.sku: (p.units, p.revenue) for p in top.items} == expected
            # The old English name still asks for 华东.
            east = answer.top_products(
                await analytics.top_products(app.deps, c.Scope(), first, last, "east", 100)
            )
            assert sum(p.revenue for p in east.items) == east_revenue
            by_category = answer.sales(
                await analytics.sales(app.deps, c.Scope(), first, last, "category")
            )
            assert {r.key: (r.orders, r.revenue) for r in by_category.rows} == {
                category: (int(o), int(r)) for category, o, r in categories
            }
    finally:
        await engine.dispose()
