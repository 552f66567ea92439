"""Use cases of the ledger: reading it, and reconciling levels against it."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.ledger import OVERDUE_HOLD, Drift, drifts, repair
from inventory.domain.model import MovementRecord
from inventory.domain.validation import Errors
from inventory.service_layer.deps import Deps
from inventory.service_layer.expiry import release_expired

DEFAULT_PAGE = 20
MAX_PAGE = 200
OVERDUE_LIMIT = 1000


async def list_movements(
    deps: Deps, *, sku: str = "", location_id: str = "", before_id: int, limit: int
) -> tuple[list[MovementRecord], int]:
    """One page, newest first, and the id to continue before (0 on the last page)."""
    errors = Errors()
    if limit < 0:
        errors.add("page.limit", "must not be negative")
    errors.raise_if_any()
    size = min(limit or DEFAULT_PAGE, MAX_PAGE)
    async with deps.reader() as uow:
        items = await uow.stock.movements(
            sku=sku, location_id=location_id, before_id=before_id, limit=size + 1
        )
    more = len(items) > size
    items = items[:size]
    return items, (items[-1].movement_id if more else 0)


@dataclass(frozen=True)
class Reconciliation:
    drifts: list[Drift]
    repaired: int  # compensating movements written (plus overdue holds released)

    @property
    def clean(self) -> bool:
        return not self.drifts


async def reconcile(deps: Deps, *, repair_mode: bool = False, actor: str = "") -> Reconciliation:
    """Check every level; with `repair_mode`, compensate what drifted (one transaction) and
    release overdue holds. The report lists what was found before repairing."""
    now = deps.clock()
    async with deps.uow() as uow:
        audits = await uow.stock.audit()
        overdue = await uow.reservations.held_expired(now, OVERDUE_LIMIT)
        found = [d for a in audits for d in drifts(a)]
        found += [
            Drift(OVERDUE_HOLD, "", "", 0, 0, f"reservation {rid} is held past its deadline")
            for rid in overdue
        ]
        written = 0
        if repair_mode:
            for a in audits:
                fix = repair(a, actor or "reconcile")
                if fix is None:
                    continue
                if fix.reserved_delta:
                    await uow.stock.force_reserved(a.sku, a.location_id, fix.reserved_delta)
                await uow.stock.record(fix.movements)
                written += len(fix.movements)
            await uow.commit()
    if repair_mode and overdue:
        written += await release_expired(deps, OVERDUE_LIMIT)
    return Reconciliation(found, written)
