"""Composition root: wires the inventory service from what the runtime (or a test) built."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.events import OutgoingEvent
from chainkit.grpc_server import Register
from chainkit.uow import EventsCommitted
from chainstore.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from inventory.adapters.uow import InventoryUnitOfWork
from inventory.entrypoints.servicer import InventoryServicer
from inventory.service_layer.metrics import count_low_stock
from inventory.service_layer.ports import UnitOfWorkFactory

SERVICE_NAME: str = inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name
# services/inventory/migrations (the service folder ships whole, source and migrations).
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession],
    on_events_committed: EventsCommitted | None = None,
    sqlite_writers: asyncio.Lock | None = None,
) -> UnitOfWorkFactory:
    # One queue per process for SQLite writers (see InventoryUnitOfWork): the runtime's,
    # shared with the outbox relay, or one of our own.
    sqlite_writers = sqlite_writers or asyncio.Lock()

    def committed(events: Sequence[OutgoingEvent]) -> None:
        if on_events_committed is not None:
            on_events_committed(events)
        count_low_stock(events)

    def make() -> InventoryUnitOfWork:
        return InventoryUnitOfWork(sessions, committed, sqlite_writers)

    return make


def registrations(uows: UnitOfWorkFactory) -> list[Register]:
    servicer = InventoryServicer(uows)

    def register(server: grpc.aio.Server) -> None:
        inventory_pb2_grpc.add_InventoryServiceServicer_to_server(servicer, server)

    return [register]
