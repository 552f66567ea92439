"""The interfaces the use cases need. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from chainkit.events import OutgoingEvent
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan, TrackingEvent, TrackingStatus


class CarrierApi(Protocol):
    """The carriers' own APIs (the simulator in the demo)."""

    async def create_waybill(
        self, carrier: str, *, reference: str, weight_g: int, region: str, city: str
    ) -> str:
        """A waybill number; the same one again for the same `reference`."""
        ...

    async def poll_tracking(self, carrier: str, waybill_no: str) -> list[CarrierScan]:
        """Every scan the carrier has for a waybill so far."""
        ...


@dataclass(frozen=True)
class ShipmentQuery:
    order_id: str = ""
    store_id: str = ""
    status: TrackingStatus | None = None
    # Set to list only parcels under way whose last update is older than this.
    stalled_before: datetime | None = None
    limit: int = 20
    # Keyset position: strictly older than this (created_at, shipment_id).
    after: tuple[datetime, str] | None = None


class ShipmentRepository(Protocol):
    async def get(self, shipment_id: str, *, for_update: bool = False) -> Shipment | None: ...

    async def get_by_waybill(
        self, waybill_no: str, carrier: str = "", *, for_update: bool = False
    ) -> Shipment | None:
        """Any carrier's waybill when `carrier` is empty (numbers carry a carrier prefix)."""
        ...

    async def add(self, shipment: Shipment) -> None: ...

    async def save(self, shipment: Shipment, new_events: Sequence[TrackingEvent]) -> None:
        """Persist the shipment's status fields and append the new timeline events."""
        ...

    async def search(self, query: ShipmentQuery) -> list[Shipment]: ...

    async def under_way(
        self, carriers: Sequence[str], *, after_id: str, limit: int
    ) -> list[Shipment]:
        """Non-terminal shipments of these carriers with ids above `after_id`, by id.

        The caller walks the whole set page by page, so every parcel gets its turn.
        Timelines are not loaded (the poller needs only the waybill).
        """
        ...


class UnitOfWork(Protocol):
    @property
    def shipments(self) -> ShipmentRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def emit(self, event: OutgoingEvent) -> None: ...

    async def commit(self) -> None:
        """Commit; a lost race on a unique key raises chainkit.errors.Retryable."""
        ...
