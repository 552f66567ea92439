"""What the use cases need from storage: our own interfaces, implemented in adapters/.

Stock changes are single atomic conditional statements settled by the database; each
`try_*` answers whether the guarded change applied (False: not enough units right now).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chainkit.ports import TransactionPort
from inventory.domain.allocation import Candidate
from inventory.domain.events import Event
from inventory.domain.ledger import LevelAudit
from inventory.domain.model import (
    Location,
    Movement,
    MovementRecord,
    Product,
    Sale,
    SkuQty,
    StockLevel,
)
from inventory.domain.reservation import Reservation, ReservationState
from inventory.domain.transfer import Transfer, TransferState

Pair = tuple[str, str]  # (sku, location_id)


@dataclass
class Availability:
    """What a batch of reservations reads before it allocates."""

    known: set[str]  # the requested SKUs that exist
    # Their stock with units available, at every location (allocation decides eligibility).
    candidates: list[Candidate]
    homes: set[str]  # the requested home locations that exist
    # The requested reservation ids stored already (only when they were looked up).
    existing: dict[str, Reservation] = field(default_factory=dict)


@dataclass(frozen=True)
class NewReservation:
    """A reservation to store, with the request facts kept beside it."""

    reservation: Reservation
    region: str
    home_location_id: str
    strategy: str


class LocationRepository(Protocol):
    async def add(self, location: Location) -> None:
        """Raises AlreadyExists when the id is taken."""

    async def get(self, location_id: str) -> Location | None: ...

    async def list(self, after: str = "", limit: int = 0) -> list[Location]:
        """By location_id, strictly after `after`; `limit` 0 = every one."""
        ...


class ProductRepository(Protocol):
    async def add(self, product: Product) -> None:
        """Raises AlreadyExists when the SKU is taken."""

    async def get(self, sku: str) -> Product | None: ...

    async def save(self, product: Product) -> None: ...

    async def get_many(self, skus: Sequence[str]) -> dict[str, Product]: ...

    async def page(self, after_sku: str, limit: int) -> list[Product]: ...

    async def by_barcode(self, barcode: str) -> Product | None: ...


class StockRepository(Protocol):
    async def receive(self, location_id: str, lines: Sequence[SkuQty]) -> None:
        """on_hand += qty, creating the level row when it does not exist yet."""

    async def levels(
        self,
        *,
        sku: str = "",
        location_id: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> list[StockLevel]:
        """By (location_id, sku), strictly after `after`; `limit` 0 = all of them."""
        ...

    async def levels_at(self, location_id: str, skus: Sequence[str]) -> dict[str, StockLevel]: ...

    async def try_commit(self, sku: str, location_id: str, qty: int) -> bool: ...

    async def try_free(self, sku: str, location_id: str, qty: int) -> bool: ...

    async def restock(self, sku: str, location_id: str, qty: int) -> bool: ...

    async def try_sell(self, sku: str, location_id: str, qty: int) -> bool: ...

    async def try_adjust(self, sku: str, location_id: str, delta: int) -> bool:
        """on_hand += delta unless that would go below reserved (or the row is missing)."""

    async def set_threshold(self, sku: str, location_id: str, threshold: int) -> None:
        """Creating the level row (with no units) when it does not exist yet."""

    async def levels_for(self, pairs: Sequence[Pair]) -> list[StockLevel]: ...

    async def set_low_stock(self, sku: str, location_id: str, *, expected: bool) -> bool:
        """Flip the low-stock flag from `expected` (False: someone else flipped it)."""

    async def low_levels(
        self,
        *,
        sku: str = "",
        location_id: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> list[StockLevel]:
        """At or below threshold, by (location_id, sku) after `after`; `limit` 0 = all."""
        ...

    async def record(self, movements: Sequence[Movement]) -> None:
        """Append ledger lines."""

    async def movements(
        self, *, sku: str, location_id: str, before_id: int, limit: int
    ) -> list[MovementRecord]:
        """Newest first; `before_id` 0 means from the newest."""

    async def audit(self) -> list[LevelAudit]:
        """Every level (and every ledger or hold without one) with its expected values, read
        in one statement so it is one consistent snapshot."""

    async def force_reserved(self, sku: str, location_id: str, delta: int) -> bool:
        """reserved += delta (repair only; the bounds constraint still holds)."""


class ReservationRepository(Protocol):
    async def get(self, reservation_id: str) -> Reservation | None: ...

    async def transition(
        self, reservation_id: str, expected: ReservationState, new: Reservation
    ) -> bool:
        """Move to `new.state` only if still in `expected` (False: someone else moved it)."""

    async def held_expired(self, now: datetime, limit: int) -> list[str]:
        """Ids of held reservations whose deadline has passed, oldest deadline first."""

    async def page(
        self, state: ReservationState, *, created_before: datetime | None, after_id: str, limit: int
    ) -> list[Reservation]:
        """Reservations in `state` with ids after `after_id`, ascending, with their lines;
        only those created before `created_before` when it is given."""


class TransferRepository(Protocol):
    async def get(self, transfer_id: str) -> Transfer | None: ...

    async def add(self, transfer: Transfer, actor: str) -> None:
        """Raises Retryable when the same id is being created concurrently."""

    async def try_receive(self, transfer_id: str, sku: str, qty: int) -> bool:
        """qty_received += qty unless that exceeds what was shipped."""

    async def set_state(self, transfer: Transfer) -> None: ...

    async def in_transit_to(self, location_id: str) -> dict[str, int]: ...

    async def list_to(
        self, to_location_id: str, state: TransferState, limit: int
    ) -> list[Transfer]:
        """Transfers to a location in one state, newest first, with their lines."""


class CommandLog(Protocol):
    async def claim(self, command_id: str) -> bool:
        """Record a command id; False when it was applied before (a retry)."""


class SaleRepository(Protocol):
    async def get(self, sale_id: str) -> Sale | None: ...

    async def add(self, sale: Sale) -> None:
        """Raises Retryable when the same sale id is being recorded concurrently."""


class UnitOfWork(TransactionPort, Protocol):
    def publish(self, events: Iterable[Event]) -> None:
        """Queue domain events for the outbox (encoded by adapters.event_codec): published
        only if this transaction commits."""

    # Read-only properties so an implementation may hold more specific repository types.
    @property
    def locations(self) -> LocationRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...

    @property
    def sales(self) -> SaleRepository: ...

    @property
    def transfers(self) -> TransferRepository: ...

    @property
    def commands(self) -> CommandLog: ...

    # Reserve (service_layer/reserving.py): what a batch decides on, then its holds.
    async def read_for_reserve(
        self, skus: Sequence[str], home_location_ids: Sequence[str], look_up: Sequence[str]
    ) -> Availability:
        """The first thing in its transaction: the SKUs that exist and their stock, the home
        locations that exist, and which of the `look_up` reservation ids are stored already.
        These reads may see a moment before the transaction's writes (they may be taken
        without any lock): `hold` re-checks everything the decisions rely on."""

    async def hold(
        self,
        new: Sequence[NewReservation],
        movements: Sequence[Movement],
        events: Sequence[Event],
    ) -> list[StockLevel] | None:
        """Store the reservations and take their allocations' units, each level's only if
        that many are still available there, with their ledger lines and events, as one
        change: the levels after it, or None when any fell short (then nothing may be
        committed). Raises Retryable when a reservation id is stored already."""
