"""Reserve's statements: a whole batch of reservations reads in one query and takes its
units in one conditional UPDATE, so the batch costs a few statements however many it holds.

The UPDATE joins the levels to the batch's (sku, location, qty) rows, passed as one JSON
parameter on SQLite (json_each) and as three arrays on PostgreSQL (unnest, which the planner
expects to be short, so it looks each level up by its key even before the table has
statistics: jsonb_to_recordset made it scan the whole table). It keeps the condition
`on_hand - reserved >= qty` per row: a row it does not return had fewer units than asked.
They go straight to the driver (chainkit.raw_sql): SQLAlchemy's execution path cost more
CPU than the statements themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.bulk import insert_rows, insert_tables_then, unnest_insert
from chainkit.clock import utcnow
from chainkit.raw_sql import RawQuery, fetch_postgresql
from inventory.adapters.ledger_queries import movement_rows
from inventory.adapters.tables import movement_t, stock_t
from inventory.domain.allocation import Candidate
from inventory.domain.model import Movement, StockLevel
from inventory.service_layer.ports import Availability, Pair

# Every requested SKU that exists, with each location's available units and its facts.
# Flat LEFT JOINs, not a nested join, which SQLite would materialise whole on every call.
# On PostgreSQL the id lists come in as unnest(...) that drives the join: one key probe
# per id whatever the statistics say (`= ANY($1)` got a sequential scan of a table that
# had grown since its last ANALYZE: 5 ms a batch in the bench).
_AVAILABILITY_SQL = """
    SELECT p.sku, l.location_id, l.region, l.priority, l.share_online, l.lat, l.lon,
           s.on_hand - s.reserved AS available
    FROM {products}
    LEFT OUTER JOIN inv_stock_level AS s ON s.sku = p.sku AND s.on_hand - s.reserved > 0
    LEFT OUTER JOIN inv_location AS l ON l.location_id = s.location_id
    {where}"""
_AVAILABILITY = RawQuery(
    sqlite=_AVAILABILITY_SQL.format(
        products="inv_product AS p", where="WHERE p.sku IN (SELECT value FROM json_each(?))"
    ),
    postgresql=_AVAILABILITY_SQL.format(
        products="unnest($1::text[]) AS q(sku) JOIN inv_product AS p ON p.sku = q.sku", where=""
    ),
    standalone_read=True,
)
_HOMES = RawQuery(
    sqlite="SELECT location_id FROM inv_location WHERE location_id IN "
    "(SELECT value FROM json_each(?))",
    postgresql="SELECT l.location_id FROM unnest($1::text[]) AS q(id) "
    "JOIN inv_location AS l ON l.location_id = q.id",
    standalone_read=True,
)

_LEVEL_COLUMNS = ("sku", "location_id", "on_hand", "reserved", "low_stock_threshold", "low_stock")
_UNITS = {
    "sqlite": """
        (SELECT json_extract(value, '$[0]') AS sku,
                json_extract(value, '$[1]') AS location_id,
                json_extract(value, '$[2]') AS qty
         FROM json_each(?2)) AS u""",
    "postgresql": """
        unnest($2::text[], $3::text[], $4::bigint[]) AS u(sku, location_id, qty)""",
}
_MATCH = "s.sku = u.sku AND s.location_id = u.location_id"


# PostgreSQL locks the rows first, in key order (the `locked` CTE: FOR UPDATE under an ORDER
# BY locks each row as the sort hands it out): two batches, or a batch and a single-row
# command, then never wait for each other in a cycle. Folded into the UPDATE, it costs no
# round trip of its own. A row another transaction changed meanwhile is re-checked at its
# newest version (READ COMMITTED). SQLite has one writer: no need.
_LOCKED = """
    locked AS (
        SELECT s.sku, s.location_id FROM inv_stock_level AS s
        JOIN unnest($2::text[], $3::text[]) AS k(sku, location_id)
          ON s.sku = k.sku AND s.location_id = k.location_id
        ORDER BY s.sku, s.location_id FOR UPDATE OF s)
"""


def _take_units(dialect: str, inserts: str = "") -> str:
    # SQLite's RETURNING names the target's columns bare (an alias is refused there);
    # PostgreSQL needs the alias, as u has columns of the same names.
    postgresql = dialect == "postgresql"
    returning = ", ".join(("s." if postgresql else "") + c for c in _LEVEL_COLUMNS)
    now = "$1" if postgresql else "?1"
    units = _UNITS[dialect]
    if postgresql:
        units = f"locked AS l JOIN {units} ON l.sku = u.sku AND l.location_id = u.location_id"
    return (
        (f"WITH {inserts}{_LOCKED}" if postgresql else "")
        + f"UPDATE inv_stock_level AS s SET reserved = s.reserved + u.qty, updated_at = {now} "
        f"FROM {units} WHERE {_MATCH} AND s.on_hand - s.reserved >= u.qty "
        f"RETURNING {returning}"
    )


@cache
def _take_units_with(inserts: tuple[str, ...]) -> str:
    """PostgreSQL: _TAKE_UNITS with these INSERTs (chainkit.bulk.unnest_insert, parameters
    from $5 on) run by the same statement, each as a WITH of its own."""
    return _take_units("postgresql", "".join(f"w{i} AS ({sql}), " for i, sql in enumerate(inserts)))


Inserts = Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]  # rows for each table


_TAKE_UNITS = RawQuery(
    sqlite=_take_units("sqlite"),
    postgresql=_take_units("postgresql"),
    types=[stock_t.c.updated_at.type],
)


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


def _level_from_tuple(row: Sequence[Any]) -> StockLevel:
    sku, location_id, on_hand, reserved, threshold, low = row  # in _LEVEL_COLUMNS order
    return StockLevel(
        sku=sku,
        location_id=location_id,
        on_hand=on_hand,
        reserved=reserved,
        low_stock_threshold=threshold,
        low_stock=bool(low),
    )


class ReserveQueries:
    _session: AsyncSession
    _dialect: str
    record: Callable[[Sequence[Movement]], Awaitable[None]]  # SqlStockRepository's ledger

    async def availability(
        self, skus: Sequence[str], home_location_ids: Sequence[str]
    ) -> Availability:
        rows = await _AVAILABILITY.fetch(self._session, sorted(set(skus)))
        seen = Availability(known=set(), candidates=[], homes=set())
        for sku, location_id, region, priority, share_online, lat, lon, available in rows:
            seen.known.add(sku)
            if location_id is not None:
                seen.candidates.append(
                    Candidate(
                        location_id=location_id,
                        sku=sku,
                        region=region,
                        priority=priority,
                        available=available,
                        share_online=bool(share_online),
                        lat=lat,
                        lon=lon,
                    )
                )
        homes = sorted({h for h in home_location_ids if h})
        if homes:
            seen.homes = {row[0] for row in await _HOMES.fetch(self._session, homes)}
        return seen

    async def try_reserve_all(
        self, units: Mapping[Pair, int], movements: Sequence[Movement] = (), along: Inserts = ()
    ) -> list[StockLevel] | None:
        """Take the units, all or none (None: too few somewhere), and write the ledger
        lines and the rows `along`, in one round trip: on PostgreSQL one statement, on
        SQLite one hand-off to the connection's thread (the INSERTs, then the UPDATE)."""
        if not units:
            for table, table_rows in along:
                await insert_rows(self._session, table, table_rows)
            await self.record(movements)
            return []
        now = utcnow()
        rows_in = sorted(units.items())
        inserts = [(movement_t, movement_rows(movements, now)), *along]
        if self._dialect == "postgresql":
            params: list[Any] = [
                now,
                [s for (s, _), _ in rows_in],
                [loc for (_, loc), _ in rows_in],
                [q for _, q in rows_in],
            ]
            sqls: list[str] = []
            dialect = self._session.get_bind().dialect
            for table, table_rows in inserts:
                if table_rows:  # numbered on from the parameters so far
                    sql, arrays = unnest_insert(table, table_rows, dialect, len(params) + 1)
                    sqls.append(sql)
                    params.extend(arrays)
            rows = await fetch_postgresql(self._session, _take_units_with(tuple(sqls)), *params)
        else:
            wanted = [[s, loc, q] for (s, loc), q in rows_in]
            rows = await insert_tables_then(self._session, inserts, _TAKE_UNITS, now, wanted)
        if len(rows) != len(units):
            return None
        return [_level_from_tuple(row) for row in rows]
