"""Transfers between locations: shipped units are in transit until received at the
destination; a receipt may be partial, and what is not received yet stays in transit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from chainkit.errors import FieldError, InvalidArgument
from inventory.domain.model import SkuQty


class TransferState(StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


@dataclass(frozen=True)
class TransferLine:
    sku: str
    qty_shipped: int
    qty_received: int = 0

    @property
    def in_transit(self) -> int:
        return self.qty_shipped - self.qty_received


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    from_location_id: str
    to_location_id: str
    state: TransferState
    lines: tuple[TransferLine, ...]
    created_at: datetime | None = None

    def shipped(self) -> dict[str, int]:
        return {x.sku: x.qty_shipped for x in self.lines}

    def plan_receipt(self, lines: Sequence[SkuQty], field: str = "lines") -> list[SkuQty]:
        """What a receipt books in: the given lines (each within what is still in transit),
        or, with no lines, everything still in transit."""
        by_sku = {x.sku: x for x in self.lines}
        if not lines:
            return [SkuQty(x.sku, x.in_transit) for x in self.lines if x.in_transit > 0]
        errors = []
        for i, line in enumerate(lines):
            found = by_sku.get(line.sku)
            if found is None:
                errors.append(FieldError(f"{field}[{i}].sku", f"{line.sku!r} is not in transfer"))
            elif line.qty > found.in_transit:
                errors.append(
                    FieldError(
                        f"{field}[{i}].qty", f"only {found.in_transit} of {line.sku} in transit"
                    )
                )
        if errors:
            raise InvalidArgument(f"{errors[0].field}: {errors[0].message}", errors)
        return list(lines)

    def received(self, booked: Sequence[SkuQty]) -> Transfer:
        got = {x.sku: x.qty for x in booked}
        lines = tuple(
            replace(x, qty_received=x.qty_received + got.get(x.sku, 0)) for x in self.lines
        )
        done = all(x.in_transit == 0 for x in lines)
        return replace(
            self, lines=lines, state=TransferState.RECEIVED if done else TransferState.IN_TRANSIT
        )
