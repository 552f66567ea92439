"""Stores, order-number counters and idempotency records in SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.clock import utcnow
from chainkit.raw_sql import RawQuery
from chainkit.uow import Stage
from chainstore.orders.v1 import orders_pb2
from orders.adapters.order_messages import order_pb
from orders.adapters.order_rows import execute_unique
from orders.adapters.tables import COUNTER, IDEMPOTENCY, STORE
from orders.domain.order import Order
from orders.domain.store import Store, StoreKind
from orders.service_layer.ports import IdempotencyRecord


def _store_values(store: Store) -> dict[str, Any]:
    return vars(store) | {"kind": store.kind.value}


class SqlStoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, store_id: str) -> Store | None:
        row = (
            await self._session.execute(select(STORE).where(STORE.c.store_id == store_id))
        ).first()
        return _store(row._mapping) if row else None

    async def get_many(self, store_ids: Sequence[str]) -> dict[str, Store]:
        rows = await self._session.execute(select(STORE).where(STORE.c.store_id.in_(store_ids)))
        return {row.store_id: _store(row._mapping) for row in rows}

    async def add(self, store: Store) -> None:
        await execute_unique(
            self._session, insert(STORE).values(_store_values(store)), f"store {store.store_id}"
        )

    async def save(self, store: Store) -> None:
        await self._session.execute(
            update(STORE).where(STORE.c.store_id == store.store_id).values(_store_values(store))
        )

    async def all(self, after: str = "", limit: int = 0) -> list[Store]:
        stmt = select(STORE).where(STORE.c.store_id > after).order_by(STORE.c.store_id)
        rows = await self._session.execute(stmt.limit(limit) if limit else stmt)
        return [_store(row._mapping) for row in rows]


def _store(m: Any) -> Store:
    return Store(**(dict(m) | {"kind": StoreKind(m["kind"])}))


_TAKE_NUMBERS_SQL = (
    "INSERT INTO ord_counter (store_id, day, value) VALUES ({0}, {1}, {2}) "
    "ON CONFLICT (store_id, day) DO UPDATE SET value = ord_counter.value + {2} "
    "RETURNING value"
)
# Straight to the driver (chainkit.raw_sql): built with SQLAlchemy's insert(), compiling and
# executing it took nearly half the CPU a one-order placement spent in its transaction.
_TAKE_NUMBERS = RawQuery(
    sqlite=_TAKE_NUMBERS_SQL.format("?1", "?2", "?3"),
    postgresql=_TAKE_NUMBERS_SQL.format("$1", "$2", "$3"),
    types=[None, COUNTER.c.day.type],
)


class SqlCounterRepository:
    """Per (store, day) counters: one atomic insert-or-increment, no global lock.

    `INSERT … ON CONFLICT DO UPDATE … RETURNING` on both SQLite (3.35+) and PostgreSQL: the
    row lock it takes lasts until the order's transaction commits, so numbers of one store
    are handed out in commit order and a rolled-back order gives its number back.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take(self, store_id: str, day: date, count: int) -> int:
        """Takes `count` numbers at once; answers the last (they are last-count+1..last)."""
        [(last,)] = await _TAKE_NUMBERS.fetch(self._session, store_id, day, count)
        return int(last)


class SqlIdempotencyRepository:
    def __init__(self, session: AsyncSession, stage: Stage) -> None:
        self._session = session
        self._stage = stage

    async def get(self, key: str) -> IdempotencyRecord | None:
        row = (
            await self._session.execute(
                select(IDEMPOTENCY.c.request_hash, IDEMPOTENCY.c.response).where(
                    IDEMPOTENCY.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        response = bytes(row.response)
        order_id = orders_pb2.Order.FromString(response).order_id
        return IdempotencyRecord(row.request_hash, order_id, response)

    async def add(self, key: str, request_hash: str, answer: Order) -> None:
        await self.add_many({key: (request_hash, answer)})

    async def add_many(self, answers: Mapping[str, tuple[str, Order]]) -> None:
        now = utcnow()
        rows = [
            {
                "key": key,
                "request_hash": request_hash,
                # The answer's message is the one its events carry (built once).
                "response": order_pb(order).SerializeToString(),
                "created_at": now,
            }
            for key, (request_hash, order) in answers.items()
        ]
        self._stage(IDEMPOTENCY, rows)  # a taken key: AlreadyExists at commit
