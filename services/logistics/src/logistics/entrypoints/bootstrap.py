"""The composition root: wires settings, storage and the carrier API into the use cases.

`main` and the integration tests build the service the same way through `bootstrap`;
unit tests build `Deps` directly with fakes of our own ports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit.uow import EventsCommitted
from chainstore.logistics.v1 import logistics_pb2, logistics_pb2_grpc
from logistics.adapters.carriers.http import CarrierHttp
from logistics.adapters.carriers.kuaidi100 import AggregatorAccount, Kuaidi100Tracking
from logistics.adapters.carriers.simulated import build_adapters
from logistics.adapters.uow import LogisticsUnitOfWork
from logistics.entrypoints.config import Settings
from logistics.entrypoints.servicer import LogisticsServicer
from logistics.service_layer.deps import Deps
from logistics.service_layer.ports import CarrierAdapter

SERVICE_NAME = logistics_pb2.DESCRIPTOR.services_by_name["LogisticsService"].full_name

# services/logistics/migrations (the service folder ships whole, source and migrations).
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass
class LogisticsApp:
    deps: Deps
    servicer: LogisticsServicer
    _http: CarrierHttp | None = field(default=None, repr=False)
    _aggregated: list[Kuaidi100Tracking] = field(default_factory=list, repr=False)

    @property
    def service_names(self) -> list[str]:
        return [SERVICE_NAME]

    def register(self, server: grpc.aio.Server) -> None:
        logistics_pb2_grpc.add_LogisticsServiceServicer_to_server(self.servicer, server)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        for tracking in self._aggregated:
            await tracking.aclose()


def bootstrap(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
    on_events_committed: EventsCommitted | None = None,
    adapters: Mapping[str, CarrierAdapter] | None = None,
) -> LogisticsApp:
    """`read_sessions` (chainkit.db.session_factory(engine, read_only=True)) serve the
    look-ups; without them look-ups share the writers' sessions."""
    http = None
    aggregated: list[Kuaidi100Tracking] = []
    if adapters is None:
        http, direct = build_adapters(
            settings.carrier_sim_url,
            settings.carrier_secret.encode(),
            timeout_s=settings.carrier_timeout_s,
        )
        aggregated = [
            Kuaidi100Tracking(
                direct[code], aggregator_account(settings), timeout_s=settings.carrier_timeout_s
            )
            for code in settings.aggregator_tracked
            if code in direct
        ]
        adapters = {**direct, **{a.code: a for a in aggregated}}

    def uow() -> LogisticsUnitOfWork:
        return LogisticsUnitOfWork(sessions, on_events_committed)

    def read_uow() -> LogisticsUnitOfWork:
        return LogisticsUnitOfWork(read_sessions or sessions)

    deps = Deps(
        uow=uow,
        read_uow=read_uow,
        adapters=adapters,
        stall_scale=settings.stall_scale,
        poll_base=timedelta(seconds=settings.poll_interval_s),
        # Long enough for a slow carrier call, short enough to retry soon after a crash.
        poll_lease=timedelta(seconds=max(30.0, 4 * settings.carrier_timeout_s)),
    )
    return LogisticsApp(
        deps=deps, servicer=LogisticsServicer(deps), _http=http, _aggregated=aggregated
    )


def aggregator_account(settings: Settings) -> AggregatorAccount:
    return AggregatorAccount(
        url=settings.aggregator_url or f"{settings.carrier_sim_url.rstrip('/')}/kuaidi100",
        key=settings.aggregator_key,
        customer=settings.aggregator_customer,
        salt=settings.aggregator_salt,
        callback_base=settings.aggregator_callback_base,
        companies=settings.aggregator_company_codes,
    )
