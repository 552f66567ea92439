"""Reserve's statements: a whole batch of reservations reads in one query and takes its
units in one conditional UPDATE, so the batch costs a few statements however many it holds.

The UPDATE joins the levels to the batch's (sku, location, qty) rows, passed as one JSON
parameter on SQLite (json_each) and as three arrays on PostgreSQL (unnest, which the planner
expects to be short, so it looks each level up by its key even before the table has
statistics: jsonb_to_recordset made it scan the whole table). It keeps the condition
`on_hand - reserved >= qty` per row: a row it does not return had fewer units than asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.adapters.tables import location_t, product_t, stock_t, utcnow
from inventory.domain.allocation import Candidate
from inventory.domain.model import StockLevel
from inventory.service_layer.ports import Availability, Pair

_c = stock_t.c
_loc = location_t.c

# Every requested SKU that exists, with each location's available units and its facts.
# Flat LEFT JOINs, not a nested join, which SQLite would materialise whole on every call.
_AVAILABILITY = (
    select(
        product_t.c.sku,
        _loc.location_id,
        _loc.region,
        _loc.priority,
        _loc.share_online,
        _loc.lat,
        _loc.lon,
        (_c.on_hand - _c.reserved).label("available"),
    )
    .select_from(
        product_t.outerjoin(
            stock_t, and_(_c.sku == product_t.c.sku, _c.on_hand - _c.reserved > 0)
        ).outerjoin(location_t, _loc.location_id == _c.location_id)
    )
    .where(product_t.c.sku.in_(bindparam("p_skus", expanding=True)))
)
_HOMES = select(_loc.location_id).where(_loc.location_id.in_(bindparam("p_homes", expanding=True)))

_LEVEL_COLUMNS = ("sku", "location_id", "on_hand", "reserved", "low_stock_threshold", "low_stock")
_UNITS = {
    "sqlite": """
        (SELECT json_extract(value, '$.sku') AS sku,
                json_extract(value, '$.location_id') AS location_id,
                json_extract(value, '$.qty') AS qty
         FROM json_each(:p_units)) AS u""",
    "postgresql": """
        unnest(CAST(:p_skus AS text[]), CAST(:p_locations AS text[]), CAST(:p_qtys AS bigint[]))
        AS u(sku, location_id, qty)""",
}
_MATCH = "s.sku = u.sku AND s.location_id = u.location_id"
_NOW = bindparam("p_now", type_=DateTime(timezone=True))


def _take_units(dialect: str) -> Any:
    # SQLite's RETURNING names the target's columns bare (an alias is refused there);
    # PostgreSQL needs the alias, as u has columns of the same names.
    prefix = "s." if dialect == "postgresql" else ""
    returning = ", ".join(prefix + c for c in _LEVEL_COLUMNS)
    return text(
        f"UPDATE inv_stock_level AS s SET reserved = s.reserved + u.qty, updated_at = :p_now "
        f"FROM {_UNITS[dialect]} WHERE {_MATCH} AND s.on_hand - s.reserved >= u.qty "
        f"RETURNING {returning}"
    ).bindparams(_NOW)


# PostgreSQL locks the rows first, in key order: two batches (or a batch and a single-row
# command) then never wait for each other in a cycle. SQLite has one writer: no need.
_LOCK_IN_ORDER = text(
    f"SELECT 1 FROM inv_stock_level AS s JOIN {_UNITS['postgresql']} ON {_MATCH} "
    "ORDER BY s.sku, s.location_id FOR UPDATE OF s"
)
_TAKE_UNITS = {dialect: _take_units(dialect) for dialect in _UNITS}


def level_of(row: Any, in_transit: int = 0) -> StockLevel:
    return StockLevel(
        sku=row.sku,
        location_id=row.location_id,
        on_hand=row.on_hand,
        reserved=row.reserved,
        low_stock_threshold=row.low_stock_threshold,
        low_stock=bool(row.low_stock),
        in_transit=in_transit,
    )


class ReserveQueries:
    _session: AsyncSession
    _dialect: str

    async def availability(
        self, skus: Sequence[str], home_location_ids: Sequence[str]
    ) -> Availability:
        rows = await self._session.execute(_AVAILABILITY, {"p_skus": sorted(set(skus))})
        seen = Availability(known=set(), candidates=[], homes=set())
        for row in rows:
            seen.known.add(row.sku)
            if row.location_id is not None:
                seen.candidates.append(
                    Candidate(
                        location_id=row.location_id,
                        sku=row.sku,
                        region=row.region,
                        priority=row.priority,
                        available=row.available,
                        share_online=bool(row.share_online),
                        lat=row.lat,
                        lon=row.lon,
                    )
                )
        homes = sorted({h for h in home_location_ids if h})
        if homes:
            seen.homes = set((await self._session.execute(_HOMES, {"p_homes": homes})).scalars())
        return seen

    async def try_reserve_all(self, units: Mapping[Pair, int]) -> list[StockLevel] | None:
        if not units:
            return []
        rows_in = sorted(units.items())
        params: dict[str, Any]
        if self._dialect == "postgresql":
            params = {
                "p_skus": [s for (s, _), _ in rows_in],
                "p_locations": [loc for (_, loc), _ in rows_in],
                "p_qtys": [q for _, q in rows_in],
            }
            await self._session.execute(_LOCK_IN_ORDER, params)
        else:
            units_json = [{"sku": s, "location_id": loc, "qty": q} for (s, loc), q in rows_in]
            params = {"p_units": json.dumps(units_json)}
        rows = (
            await self._session.execute(_TAKE_UNITS[self._dialect], {**params, "p_now": utcnow()})
        ).all()
        if len(rows) != len(units):
            return None
        return [level_of(row) for row in rows]
