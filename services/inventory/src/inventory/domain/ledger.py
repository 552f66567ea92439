"""The ledger's invariants, and how a repair compensates a drift. Pure rules.

For every (SKU, location): on_hand == sum of on_hand deltas, reserved == sum of reserved
deltas, 0 <= reserved <= on_hand, and reserved == units of held reservation lines.

A repair never rewrites history, it appends compensating movements: first reserved is set
to what the held reservations say (they are the record of who holds what), then one line
brings the ledger's sums to the level (the level is the count the database guarded).
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.model import Movement, MovementKind

LEVELS_VS_LEDGER = "levels_vs_ledger"
RESERVED_VS_HOLDS = "reserved_vs_holds"
BOUNDS = "bounds"
OVERDUE_HOLD = "overdue_hold"
REFERENCE = "reconcile"


@dataclass(frozen=True)
class LevelAudit:
    """One stock level beside what the ledger and the held reservations say it should be."""

    sku: str
    location_id: str
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int
    held: int


@dataclass(frozen=True)
class Drift:
    kind: str
    sku: str
    location_id: str
    expected: int
    actual: int
    detail: str


def drifts(a: LevelAudit) -> list[Drift]:
    out = []
    if a.ledger_on_hand != a.on_hand:
        out.append(
            Drift(LEVELS_VS_LEDGER, a.sku, a.location_id, a.ledger_on_hand, a.on_hand, "on_hand")
        )
    if a.ledger_reserved != a.reserved:
        out.append(
            Drift(LEVELS_VS_LEDGER, a.sku, a.location_id, a.ledger_reserved, a.reserved, "reserved")
        )
    if not 0 <= a.reserved <= a.on_hand:
        detail = f"reserved {a.reserved} outside 0..on_hand {a.on_hand}"
        out.append(Drift(BOUNDS, a.sku, a.location_id, a.on_hand, a.reserved, detail))
    if a.held != a.reserved:
        detail = f"held reservation lines hold {a.held}, level says {a.reserved}"
        out.append(Drift(RESERVED_VS_HOLDS, a.sku, a.location_id, a.held, a.reserved, detail))
    return out


@dataclass(frozen=True)
class Repair:
    reserved_delta: int  # applied to the level row (reserved := held)
    movements: tuple[Movement, ...]


def repair(a: LevelAudit, actor: str) -> Repair | None:
    """Compensating changes for one level, or None when it is clean."""
    fix_reserved = a.held - a.reserved if 0 <= a.held <= a.on_hand else 0
    lines = []
    if fix_reserved:
        lines.append(
            Movement(
                a.sku,
                a.location_id,
                MovementKind.ADJUSTMENT,
                REFERENCE,
                0,
                fix_reserved,
                actor,
                "reconcile: reserved set to the held reservations",
            )
        )
    on_hand_gap = a.on_hand - a.ledger_on_hand
    reserved_gap = a.reserved - a.ledger_reserved  # unchanged by the fix above (both moved)
    if on_hand_gap or reserved_gap:
        lines.append(
            Movement(
                a.sku,
                a.location_id,
                MovementKind.ADJUSTMENT,
                REFERENCE,
                on_hand_gap,
                reserved_gap,
                actor,
                "reconcile: ledger brought to the level",
            )
        )
    return Repair(fix_reserved, tuple(lines)) if lines else None
