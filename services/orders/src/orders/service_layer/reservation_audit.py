"""Audit inventory's held reservations against our orders: a hold is live only while its
order (reservation_id = order_id) awaits payment or is paid and not yet committed. Anything
else (no such order, cancelled, shipped, completed) is an orphan that locks units forever
until inventory's deadline sweep; repair releases it (inventory writes the ledger lines)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chainkit.errors import DomainError
from orders.domain.order import OrderStatus
from orders.service_layer.ports import UnitOfWork

ORPHAN_REASON = "orphan: no live order"
# A hold younger than this may belong to an order still being created (Reserve comes first).
DEFAULT_GRACE_S = 120.0
PAGE_SIZE = 200
LIVE = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAID})
NO_ORDER = "missing"


class HeldReservations(Protocol):
    """Inventory, as the audit needs it."""

    async def held_reservations(
        self, *, created_before: datetime, cursor: str, limit: int
    ) -> tuple[list[str], str]:
        """One page of ids of held reservations created before the instant, and the next
        cursor ("" after the last page)."""
        ...

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        """Idempotent: releasing a released reservation is a no-op."""
        ...


@dataclass(frozen=True)
class Orphan:
    reservation_id: str
    order_status: str  # NO_ORDER when orders has never heard of it
    released: bool = False
    error: str = ""  # why the release failed, when it did


@dataclass(frozen=True)
class AuditReport:
    checked: int
    orphans: list[Orphan] = field(default_factory=list)
    repair: bool = False

    @property
    def clean(self) -> bool:
        return not self.orphans

    @property
    def unresolved(self) -> list[Orphan]:
        return [o for o in self.orphans if not o.released]

    @property
    def released(self) -> int:
        return sum(o.released for o in self.orphans)


async def _order_status(uows: Callable[[], UnitOfWork], order_id: str) -> str:
    # One short transaction per id: never hold SQLite's write lock across a whole page.
    async with uows() as uow:
        order = await uow.orders.get(order_id)
    return NO_ORDER if order is None else order.status.value


async def audit_reservations(
    uows: Callable[[], UnitOfWork],
    inventory: HeldReservations,
    *,
    now: datetime,
    grace_s: float = DEFAULT_GRACE_S,
    repair: bool = False,
    page_size: int = PAGE_SIZE,
) -> AuditReport:
    """Page through held reservations older than the grace period; report (and with
    `repair`, release) those without a live order. The report lists what was found."""
    if grace_s < 0:
        raise ValueError("grace_s must not be negative")
    cutoff = now - timedelta(seconds=grace_s)
    checked, orphans, cursor = 0, [], ""
    while True:
        ids, cursor = await inventory.held_reservations(
            created_before=cutoff, cursor=cursor, limit=page_size
        )
        for reservation_id in ids:
            checked += 1
            status = await _order_status(uows, reservation_id)
            if status in LIVE:
                continue
            orphan = Orphan(reservation_id, status)
            if repair:
                try:
                    await inventory.release_reservation(reservation_id, ORPHAN_REASON)
                    orphan = Orphan(reservation_id, status, released=True)
                except DomainError as e:  # report it and carry on with the others
                    orphan = Orphan(reservation_id, status, error=f"{type(e).__name__}: {e}")
            orphans.append(orphan)
        if not cursor:
            return AuditReport(checked, orphans, repair)
