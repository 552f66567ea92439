"""The composition root: wires storage and the outbox relay's hand-off into the use cases.

`main`, the reconciliation command and the integration tests build the service the same
way through `bootstrap`; unit tests build `Deps` directly with fakes of our own ports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.outgoing import OutgoingEvent
from chainkit.uow import EventsCommitted
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from inventory.adapters.event_codec import count_low_stock
from inventory.adapters.uow import InventoryUnitOfWork
from inventory.entrypoints.config import Settings
from inventory.entrypoints.servicer import InventoryServicer
from inventory.service_layer.deps import Deps

SERVICE_NAME: str = inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name
# services/inventory/migrations (the service folder ships whole, source and migrations).
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass
class InventoryApp:
    deps: Deps
    servicer: InventoryServicer

    @property
    def service_names(self) -> list[str]:
        return [SERVICE_NAME]

    def register(self, server: grpc.aio.Server) -> None:
        inventory_pb2_grpc.add_InventoryServiceServicer_to_server(self.servicer, server)

    async def aclose(self) -> None:
        """Nothing of its own to close: the runtime owns the engine and NATS."""


def bootstrap(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
    on_events_committed: EventsCommitted | None = None,
    sqlite_writers: asyncio.Lock | None = None,
) -> InventoryApp:
    """The same shape as every service's bootstrap (inventory reads no setting here yet).

    `read_sessions` (chainkit.db.session_factory(engine, read_only=True)) serve the
    look-ups; without them look-ups share the writers' sessions. `sqlite_writers`: the
    runtime's queue of SQLite writers, shared with the outbox relay (see InventoryUnitOfWork);
    without it the app queues its writers on one of its own."""
    writers = sqlite_writers or asyncio.Lock()

    def committed(events: Sequence[OutgoingEvent]) -> None:
        if on_events_committed is not None:
            on_events_committed(events)
        count_low_stock(events)

    def uow() -> InventoryUnitOfWork:
        return InventoryUnitOfWork(sessions, committed, writers)

    def read_uow() -> InventoryUnitOfWork:
        return InventoryUnitOfWork(read_sessions or sessions)

    deps = Deps(uow=uow, read_uow=read_uow)
    return InventoryApp(deps=deps, servicer=InventoryServicer(deps))
