"""The interfaces the use cases need. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chainkit.errors import Unavailable
from chainkit.ports import TransactionPort
from logistics.domain.events import LogisticsEvent
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import CarrierScan, TrackingEvent, TrackingStatus


class CarrierRateLimited(Unavailable):
    """The carrier refused a call for asking too often; try again after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class CarrierAdapter(Protocol):
    """One carrier's API. A real carrier or aggregator is one new class implementing this.

    Adapters speak the carrier's wire format and hand back `CarrierScan`s with the
    carrier's raw codes; the domain maps those onto our taxonomy.
    """

    @property
    def code(self) -> str: ...

    async def create_waybill(
        self, *, reference: str, weight_g: int, region: str, city: str, service_level: str
    ) -> str:
        """A waybill number; the same one again for the same `reference`."""
        ...

    async def cancel_waybill(self, waybill_no: str) -> None:
        """Tell the carrier not to collect. Conflict if it already has the parcel."""
        ...

    async def poll_tracking(self, waybill_no: str) -> list[CarrierScan]:
        """Every scan the carrier has for a waybill so far (poll-mode carriers).

        Raises CarrierRateLimited when the carrier answers "too many requests".
        """
        ...

    def read_push(self, body: bytes, signature: str) -> list[CarrierScan]:
        """A webhook body: verify its signature first (Unauthenticated), then parse it."""
        ...


@dataclass(frozen=True)
class ShipmentQuery:
    order_id: str = ""
    store_id: str = ""
    status: TrackingStatus | None = None
    stalled_only: bool = False
    limit: int = 20
    # Keyset position: strictly older than this (created_at, shipment_id).
    after: tuple[datetime, str] | None = None


class ShipmentRepository(Protocol):
    async def get(self, shipment_id: str, *, for_update: bool = False) -> Shipment | None: ...

    async def get_by_waybill(
        self,
        waybill_no: str,
        carrier: str = "",
        *,
        for_update: bool = False,
        timeline: bool = True,
    ) -> Shipment | None:
        """Any carrier's waybill when `carrier` is empty (numbers carry a carrier prefix);
        `timeline=False` leaves `events` empty (ingest does not need them)."""
        ...

    async def add(self, shipment: Shipment, *, next_poll_at: datetime | None = None) -> None:
        """A new shipment; `next_poll_at` puts a poll-mode parcel on the schedule."""
        ...

    async def save(self, shipment: Shipment, *, scanned_at: datetime | None = None) -> None:
        """Persist status, last update, estimated delivery and the stalled flag;
        `scanned_at`: when we last heard a new scan. A terminal shipment leaves the poll
        schedule (next_poll_at cleared)."""
        ...

    async def add_events(
        self, shipment_id: str, events: Sequence[TrackingEvent], *, received_at: datetime
    ) -> list[TrackingEvent]:
        """Store the events not stored yet (by dedup key); return those, in input order."""
        ...

    async def latest_event(
        self, shipment_id: str, *, excluding: Sequence[str] = ()
    ) -> TrackingEvent | None:
        """The newest stored event (by event time, then arrival), skipping these dedup keys."""
        ...

    async def mark_cancelled(self, shipment: Shipment) -> bool:
        """Store the cancellation if the shipment is still waiting for pickup; False if not."""
        ...

    async def due_polls(
        self, carriers: Sequence[str], *, now: datetime, limit: int
    ) -> list[Shipment]:
        """Shipments under way whose next poll is due, soonest first (timelines not loaded)."""
        ...

    async def claim_polls(
        self, shipments: Sequence[Shipment], *, now: datetime, lease_until: datetime
    ) -> list[Shipment]:
        """Claim these due polls for this caller; those another replica took are left out.

        A conditional update (next_poll_at <= now → lease_until), so replicas polling at
        the same time never ask the carrier about one parcel twice.
        """
        ...

    async def reschedule_poll(
        self,
        shipment_id: str,
        *,
        normal_at: datetime,
        near_at: datetime,
        near_statuses: Sequence[TrackingStatus],
    ) -> None:
        """Next poll at `near_at` if the status is one of `near_statuses`, else `normal_at`;
        nothing for a shipment no longer under way."""
        ...

    async def postpone_polls(self, carrier: str, *, until: datetime) -> int:
        """Push every due poll of a carrier to `until` (it rate-limited us)."""
        ...

    async def stall_candidates(
        self, carrier: str, status: TrackingStatus, *, silent_before: datetime, limit: int
    ) -> list[Shipment]:
        """Not cancelled, not flagged, in this status with this carrier, last update older
        than `silent_before`, oldest first (timelines not loaded)."""
        ...

    async def flag_stalled(
        self, shipment: Shipment, *, now: datetime, silent_before: datetime
    ) -> bool:
        """Raise the flag if still unflagged, in the same status and silent: True once."""
        ...

    async def push_gap_facts(
        self, carrier: str, *, created_before: datetime
    ) -> tuple[int, datetime | None]:
        """(parcels under way created before then, newest scan received for the carrier)."""
        ...

    async def set_push_gap(self, carrier: str, *, since: datetime | None) -> bool:
        """Open (since set) or close (None) the carrier's push-gap alert; True if it changed."""
        ...

    async def open_push_gaps(self) -> dict[str, datetime]:
        """Carrier code → since when its push-gap alert is open (closed ones left out)."""
        ...

    async def count_stalled(self) -> int:
        """Shipments flagged stalled now (the flag clears on a fresh scan or a cancel)."""
        ...

    async def search(self, query: ShipmentQuery) -> list[Shipment]: ...


class UnitOfWork(TransactionPort, Protocol):
    @property
    def shipments(self) -> ShipmentRepository: ...

    def publish(self, events: Iterable[LogisticsEvent]) -> None:
        """Queue domain events for the outbox (encoded by adapters.event_codec): published
        only if this transaction commits."""
        ...
