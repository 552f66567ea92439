"""What every use case gets from the composition root (orders.entrypoints.bootstrap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chainkit.clock import Clock, utcnow
from orders.domain.business_day import DEFAULT_BUSINESS_TZ
from orders.service_layer.ports import InventoryPort, LogisticsPort, UnitOfWork

if TYPE_CHECKING:
    from orders.service_layer.placement import Placements


@dataclass(frozen=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    inventory: InventoryPort
    logistics: LogisticsPort
    clock: Clock = utcnow
    # The chain's business days (order numbers, analytics days); a store may override it.
    business_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_BUSINESS_TZ))
    # Units of work for reads only (analytics): on SQLite a snapshot that takes no write
    # lock, so reports neither queue behind writers nor behind each other. Default: `uow`.
    read_uow: Callable[[], UnitOfWork] | None = None
    # What concurrent placements share (orders.service_layer.placement): one per process.
    placements: Placements = field(default_factory=lambda: _new_placements(), compare=False)

    def reader(self) -> UnitOfWork:
        return (self.read_uow or self.uow)()


def _new_placements() -> Placements:
    from orders.service_layer.placement import Placements  # it needs Deps: import on use

    return Placements()
