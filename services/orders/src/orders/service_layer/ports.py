"""The interfaces the use cases depend on. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chainkit.ports import TransactionPort
from orders.domain.lines import LineRequest, ProductInfo
from orders.domain.order import Address, Allocation, Order, Package, Shipment
from orders.domain.sales import LineDelta, Sale, StoreDelta
from orders.domain.store import Store


class InventoryPort(Protocol):
    """Inventory as orders needs it. Errors arrive as chainkit domain errors; a refusal for
    lack of stock is a Conflict whose `details` is a `StockShortfall`, and one naming SKUs
    the catalogue lacks a NotFound whose `details` is an `UnknownSkus`."""

    async def batch_get_products(self, skus: Sequence[str]) -> dict[str, ProductInfo]: ...

    async def reserve(
        self,
        *,
        reservation_id: str,
        lines: Sequence[LineRequest],
        region: str,
        expires_at: datetime,
        home_location_id: str,
        strategy: str,
        destination: tuple[float, float] | None = None,
    ) -> list[Allocation]:
        """`destination` (lat, lon) of the parcel lets the "nearest" strategy measure."""
        ...

    async def commit_reservation(self, reservation_id: str) -> None: ...

    async def release_reservation(self, reservation_id: str, reason: str) -> None: ...

    async def held_reservations(
        self, *, created_before: datetime, cursor: str, limit: int
    ) -> tuple[list[str], str]:
        """For the reservation audit (reservation_audit.HeldReservations)."""
        ...

    async def sell_at_location(
        self, *, sale_id: str, location_id: str, lines: Sequence[LineRequest]
    ) -> None: ...


@dataclass(frozen=True)
class PackageQuote:
    """The carrier logistics would choose for one package, and why (nothing is made)."""

    location_id: str
    carrier: str
    service_level: str
    rule: str  # "override" | "preference" | "only" | "cheapest"
    reason: str  # what logistics records as the shipment's carrier_reason
    price: int  # fen
    days: int
    weight_g: int
    eligible: tuple[str, ...] = ()  # carriers serving this package: what an override may name


class LogisticsPort(Protocol):
    async def create_shipments(
        self,
        *,
        order_id: str,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
        customer_id: str = "",
        order_no: str = "",
    ) -> list[Shipment]:
        """`carrier` is a staff override (refused as InvalidArgument when it cannot serve the
        parcel); otherwise the store's `preferred_carrier` wins when it serves the parcel and
        meets `service_level`, else the cheapest carrier that does. `customer_id` and
        `order_no` ride on every shipment and its events (customer-scoped tracking)."""
        ...

    async def quote_shipments(
        self,
        *,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
    ) -> list[PackageQuote]:
        """What create_shipments would choose for the same inputs, one per package, and the
        same refusals; read-only."""
        ...


@dataclass(frozen=True)
class OrderFilter:
    status: str = ""
    store_id: str = ""
    customer_id: str = ""
    q: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True)
class PageKey:
    """Where a page of newest-first orders resumes: strictly after this (created_at, id)."""

    created_at: datetime
    order_id: str


@dataclass(frozen=True)
class IdempotencyRecord:
    """A call's first answer, kept as the adapter wrote it (`response` goes back unchanged)."""

    request_hash: str
    order_id: str
    response: bytes


class StoreRepository(Protocol):
    async def get(self, store_id: str) -> Store | None: ...

    async def get_many(self, store_ids: Sequence[str]) -> dict[str, Store]: ...

    async def add(self, store: Store) -> None: ...

    async def save(self, store: Store) -> None: ...

    async def all(self, after: str = "", limit: int = 0) -> list[Store]:
        """By store_id, strictly after `after`; `limit` 0 = every one."""
        ...


class OrderRepository(Protocol):
    async def get(self, order_id: str) -> Order | None: ...

    async def get_by_number(self, order_no: str) -> Order | None: ...

    async def add_many(self, orders: Sequence[Order]) -> None:
        """New orders in one go; AlreadyExists, at the latest at commit, when any id or
        number is taken."""
        ...

    async def save(self, order: Order) -> None:
        """Raises Retryable when someone else changed the order since it was loaded."""
        ...

    async def find(self, where: OrderFilter, after: PageKey | None, limit: int) -> list[Order]: ...

    async def overdue(self, now: datetime, limit: int) -> list[str]: ...

    async def release_pending(self, limit: int) -> list[str]:
        """Cancelled orders whose units inventory has not confirmed released, oldest first."""
        ...

    async def mark_released(self, order_id: str) -> None: ...


class CounterRepository(Protocol):
    async def take(self, store_id: str, day: date, count: int) -> int:
        """`count` numbers at once: answers the last; they are last - count + 1 .. last."""
        ...


class IdempotencyRepository(Protocol):
    async def get(self, key: str) -> IdempotencyRecord | None: ...

    async def add(self, key: str, request_hash: str, answer: Order) -> None:
        """Keep `answer` as the call's response; AlreadyExists, at the latest at commit, when
        the key is taken."""
        ...

    async def add_many(self, answers: Mapping[str, tuple[str, Order]]) -> None:
        """(request_hash, answer) by key; AlreadyExists, at the latest at commit, when any
        key is taken."""
        ...


@dataclass(frozen=True)
class SalesRow:
    key: str
    orders: int
    units: int
    revenue: int


@dataclass(frozen=True)
class ProductRow:
    sku: str
    name: str
    category: str
    units: int
    revenue: int
    orders: int


@dataclass(frozen=True)
class PeriodRow:
    """The orders placed in a window: how many, cancelled, paid (not refunded), net revenue."""

    orders: int
    cancelled: int
    paid_orders: int
    paid_revenue: int


class SalesRepository(Protocol):
    async def apply(self, store: StoreDelta, lines: list[LineDelta]) -> None: ...

    async def attribute(self, sale: Sale) -> None: ...

    async def attribution(self, order_id: str) -> tuple[date, str, str, bool, str] | None:
        """(day, store_id, region, refunded, province) where the paid order was counted."""
        ...

    async def mark_refunded(self, order_id: str) -> None: ...

    async def sales(
        self, first: date, last: date, group_by: str, store_id: str, region: str = ""
    ) -> list[SalesRow]: ...

    async def top_products(
        self, first: date, last: date, region: str, store_id: str, limit: int
    ) -> list[ProductRow]: ...

    async def day_totals(self, day: date, store_id: str) -> tuple[int, int]: ...

    async def period_figures(self, start: datetime, end: datetime, store_id: str) -> PeriodRow:
        """The orders placed in [start, end), as they stand now."""
        ...

    async def status_counts(self, store_id: str) -> dict[str, int]: ...


class UnitOfWork(TransactionPort, Protocol):
    @property
    def stores(self) -> StoreRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def counters(self) -> CounterRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def sales(self) -> SalesRepository: ...

    def publish(self, order: Order, causation_id: str = "") -> None:
        """Queue the events the order recorded (taking them), with the order as it stands
        now, for this commit."""
        ...
