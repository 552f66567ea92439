"""The composition root: settings and infrastructure in, a wired orders application out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.uow import EventsCommitted
from orders.adapters.inventory_client import GrpcInventory
from orders.adapters.logistics_client import GrpcLogistics
from orders.adapters.uow import SqlOrdersUnitOfWork
from orders.entrypoints.config import Settings
from orders.service_layer.deps import Deps
from orders.service_layer.placement import Placements
from orders.service_layer.ports import InventoryPort, LogisticsPort


@dataclass
class OrdersApp:
    deps: Deps
    uow_factory: Callable[[], SqlOrdersUnitOfWork]
    inventory: InventoryPort
    logistics: LogisticsPort

    async def close(self) -> None:
        for client in (self.inventory, self.logistics):
            if isinstance(client, GrpcInventory | GrpcLogistics):
                await client.close()


def bootstrap(
    sessions: async_sessionmaker[AsyncSession],
    *,
    inventory: InventoryPort,
    logistics: LogisticsPort,
    on_events_committed: EventsCommitted | None = None,
    business_tz: ZoneInfo | None = None,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
    store_ttl_s: float = 0.0,
) -> OrdersApp:
    """Wire the use cases to a database and peers; tests pass fakes of our ports.
    `read_sessions` (chainkit.db.session_factory(engine, read_only=True)) serve analytics;
    without them analytics share the writers' sessions."""

    def uow_factory() -> SqlOrdersUnitOfWork:
        return SqlOrdersUnitOfWork(sessions, on_events_committed)

    def read_uow() -> SqlOrdersUnitOfWork:
        return SqlOrdersUnitOfWork(read_sessions or sessions)

    deps = Deps(
        uow=uow_factory,
        inventory=inventory,
        logistics=logistics,
        read_uow=read_uow,
        placements=Placements(store_ttl_s=store_ttl_s),
    )
    if business_tz is not None:
        deps = replace(deps, business_tz=business_tz)
    return OrdersApp(deps, uow_factory, inventory, logistics)


def bootstrap_from_settings(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    on_events_committed: EventsCommitted | None = None,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
) -> OrdersApp:
    return bootstrap(
        sessions,
        inventory=GrpcInventory.connect(
            settings.inventory_addr, settings.peer_timeout_s, settings.master_data_ttl_s
        ),
        logistics=GrpcLogistics.connect(settings.logistics_addr, settings.peer_timeout_s),
        on_events_committed=on_events_committed,
        business_tz=settings.business_zone,
        read_sessions=read_sessions,
        store_ttl_s=settings.master_data_ttl_s,
    )
