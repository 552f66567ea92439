"""Reading reservations page by page (for audits by the owner of orders)."""

from __future__ import annotations

from datetime import datetime

from inventory.domain.reservation import Reservation, ReservationState
from inventory.domain.validation import Errors
from inventory.service_layer.deps import Deps

DEFAULT_PAGE = 100
MAX_PAGE = 500


async def list_reservations(
    deps: Deps,
    *,
    state: ReservationState = ReservationState.HELD,
    created_before: datetime | None = None,
    after_id: str = "",
    limit: int = 0,
) -> tuple[list[Reservation], str]:
    """One page in reservation_id order, and the id to continue after ("" on the last page)."""
    errors = Errors()
    if limit < 0:
        errors.add("page.limit", "must not be negative")
    if created_before is not None and created_before.utcoffset() is None:
        errors.add("created_before", "must carry a time zone")
    errors.raise_if_any()
    size = min(limit or DEFAULT_PAGE, MAX_PAGE)
    async with deps.reader() as uow:
        items = await uow.reservations.page(
            state, created_before=created_before, after_id=after_id, limit=size + 1
        )
    more = len(items) > size
    items = items[:size]
    return items, (items[-1].reservation_id if more else "")
