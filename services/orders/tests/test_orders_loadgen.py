"""The data-set loader: realistic rows every query can read, read models that add up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from chainkit.db import create_engine, session_factory
from orders.adapters.tables import ORDER
from orders.entrypoints.bootstrap import bootstrap
from orders.loadgen import load
from orders.service_layer import analytics
from orders.service_layer import commands as c
from orders.service_layer.ports import Deps
from orders.service_layer.queries import list_orders


async def test_loaded_orders_are_listable_and_the_rollups_match_the_orders(
    database_url: str,
) -> None:
    await load(database_url, 3000, stores=20, skus=50)
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        app = bootstrap(sessions, inventory=Any, logistics=Any)  # type: ignore[arg-type]
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
        sales = await analytics.sales(deps, c.Scope(), "2025-11-01", "2026-11-27", "store")
        assert {r.key: r.revenue for r in sales.rows} == expected
        page, cursor = await list_orders(deps, c.ListOrders(status="shipped", limit=5))
        assert len(page) == 5 and cursor and all(o.timeline for o in page)
        assert [e.action for e in page[0].timeline][-1] == "shipped"
    finally:
        await engine.dispose()
