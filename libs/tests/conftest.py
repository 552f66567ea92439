"""Fixtures of chainkit's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlmodel import SQLModel

from chainkit.consumer import EventConsumer, EventHandler
from chainkit.db import create_engine, session_factory
from chainkit.nats import ensure_stream
from chainkit.outbox import OUTBOX
from chainkit.uow import InboxMessage, SqlUnitOfWork
from chainstore_dev.testing import NatsServer


@pytest.fixture
async def sessions(database_url: str) -> Any:
    """Sessions on a database holding the outbox and inbox tables (both kinds of database)."""
    engine = create_engine(database_url)
    tables = [OUTBOX, InboxMessage.__table__]  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=tables)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A client of the test NATS server, riding out its restarts; the ORDERS stream made."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    try:
        await ensure_stream(client.jetstream(), "ORDERS")
        yield client
    finally:
        await client.close()


OrdersConsumer = Callable[
    [JetStreamContext, str, EventHandler[SqlUnitOfWork]], EventConsumer[SqlUnitOfWork]
]


@pytest.fixture
def orders_consumer(sessions: Any) -> OrdersConsumer:
    """Makes a consumer of ORDERS with `durable`, handling orders.created with `handler`."""

    def make(
        js: JetStreamContext, durable: str, handler: EventHandler[SqlUnitOfWork]
    ) -> EventConsumer[SqlUnitOfWork]:
        return EventConsumer(
            js,
            stream="ORDERS",
            durable=durable,
            handlers={"orders.created": handler},
            uow_factory=lambda: SqlUnitOfWork(sessions),
            sessions=sessions,
        )

    return make
