"""The composition root: settings and infrastructure in, a wired orders application out.

`main` and the integration tests build the service the same way through `bootstrap`; tests
pass fakes of our peer ports (inventory, logistics) instead of the gRPC clients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.uow import EventsCommitted
from orders.adapters.inventory_client import GrpcInventory
from orders.adapters.logistics_client import GrpcLogistics
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.entrypoints.config import Settings
from orders.entrypoints.operations import SERVICE_NAME as AUDIT_SERVICE_NAME
from orders.entrypoints.operations import ReservationAuditServicer
from orders.entrypoints.servicer import SERVICE_NAME, OrdersServicer
from orders.service_layer.deps import Deps
from orders.service_layer.placement import Placements
from orders.service_layer.ports import InventoryPort, LogisticsPort

# services/orders/migrations (the service folder ships whole, source and migrations).
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass
class OrdersApp:
    deps: Deps
    # The writers' units of work with their SQL type, for chainkit's event consumers.
    uow_factory: Callable[[], SqlOrdersUnitOfWork]
    servicer: OrdersServicer
    audit: ReservationAuditServicer
    _clients: list[GrpcInventory | GrpcLogistics] = field(default_factory=list, repr=False)

    @property
    def service_names(self) -> list[str]:
        return [SERVICE_NAME, AUDIT_SERVICE_NAME]

    def register(self, server: grpc.aio.Server) -> None:
        self.servicer.register(server)
        self.audit.register(server)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.close()


def bootstrap(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
    on_events_committed: EventsCommitted | None = None,
    inventory: InventoryPort | None = None,
    logistics: LogisticsPort | None = None,
) -> OrdersApp:
    """`read_sessions` (chainkit.db.session_factory(engine, read_only=True)) serve analytics
    and the reservation audit; without them they share the writers' sessions. Peers not
    given are reached over gRPC at the settings' addresses (and closed by `aclose`)."""
    clients: list[GrpcInventory | GrpcLogistics] = []
    if inventory is None:
        inventory = GrpcInventory.connect(
            settings.inventory_addr, settings.peer_timeout_s, settings.master_data_ttl_s
        )
        clients.append(inventory)
    if logistics is None:
        logistics = GrpcLogistics.connect(settings.logistics_addr, settings.peer_timeout_s)
        clients.append(logistics)

    def uow_factory() -> SqlOrdersUnitOfWork:
        return SqlOrdersUnitOfWork(sessions, on_events_committed)

    def read_uow() -> SqlOrdersUnitOfWork:
        return SqlOrdersUnitOfWork(read_sessions or sessions)

    deps = Deps(
        uow=uow_factory,
        inventory=inventory,
        logistics=logistics,
        business_tz=settings.business_zone,
        read_uow=read_uow,
        placements=Placements(store_ttl_s=settings.master_data_ttl_s),
    )
    # The audit only reads orders (releases go to inventory): read units of work, which on
    # SQLite take no write lock and so do not queue against order placement.
    audit = ReservationAuditServicer(
        deps.reader, inventory, settings.reservation_grace_s, deps.clock
    )
    return OrdersApp(deps, uow_factory, OrdersServicer(deps), audit, clients)
