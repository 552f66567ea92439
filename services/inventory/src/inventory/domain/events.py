"""What inventory tells the rest of the chain, as plain facts: recorded by the Reservation
aggregate for its own changes, built by the use cases for the others. The unit of work queues
them in the command's transaction; adapters/event_codec.py writes each as its inventory.*
event (protos/chainstore/inventory/v1/events.proto)."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.allocation import Allocation
from inventory.domain.low_stock import Suggestion
from inventory.domain.model import Sale, SkuQty, StockLevel
from inventory.domain.transfer import Transfer


@dataclass(frozen=True)
class StockReceived:
    location_id: str
    lines: tuple[SkuQty, ...]
    reference: str


@dataclass(frozen=True)
class StockReserved:
    reservation_id: str
    allocations: tuple[Allocation, ...]
    # The caller's: a Reserve batch serves many callers, each event names its own.
    correlation_id: str = ""


@dataclass(frozen=True)
class ReservationCommitted:
    reservation_id: str
    allocations: tuple[Allocation, ...]


@dataclass(frozen=True)
class ReservationReleased:
    reservation_id: str
    allocations: tuple[Allocation, ...]
    reason: str
    restocked: bool


@dataclass(frozen=True)
class StockSold:
    sale: Sale


@dataclass(frozen=True)
class StockAdjusted:
    location_id: str
    sku: str
    delta: int
    reason: str
    adjustment_id: str


@dataclass(frozen=True)
class TransferShipped:
    transfer: Transfer


@dataclass(frozen=True)
class TransferReceived:
    transfer: Transfer
    booked: tuple[SkuQty, ...]  # the lines this receipt booked in


@dataclass(frozen=True)
class LowStock:
    """A level fell to its threshold (once per crossing), with where to refill it from."""

    level: StockLevel
    suggestion: Suggestion | None


@dataclass(frozen=True)
class LowStockCleared:
    level: StockLevel


Event = (
    StockReceived
    | StockReserved
    | ReservationCommitted
    | ReservationReleased
    | StockSold
    | StockAdjusted
    | TransferShipped
    | TransferReceived
    | LowStock
    | LowStockCleared
)
