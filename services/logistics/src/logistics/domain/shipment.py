"""A shipment and its tracking timeline: the rules scans must obey when they arrive."""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chainkit.errors import Conflict
from logistics.domain import estimate
from logistics.domain.carrier_choice import CarrierChoice, Parcel
from logistics.domain.events import (
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentEvent,
    ShipmentException,
    ShipmentStalled,
    ShipmentUnstalled,
    ShipmentUpdated,
)
from logistics.domain.tracking import CarrierScan, TrackingEvent, TrackingStatus, as_utc

# Fixed forever: shipment ids are derived from it, so a retried request finds its shipment.
SHIPMENT_NAMESPACE = uuid.UUID("5d6c1f1e-3c4b-4f0a-9a57-2f1f4c0b7e21")
# Scans the store must hear about (ShipmentException), besides the update itself.
NOTEWORTHY = frozenset(
    {TrackingStatus.EXCEPTION, TrackingStatus.FAILED_ATTEMPT, TrackingStatus.RETURNED_TO_SENDER}
)


def shipment_id_for(order_id: str, location_id: str) -> str:
    """One shipment per (order, source location), the same id on every retry."""
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, f"{order_id}\x1f{location_id}"))


@dataclass
class Shipment:
    shipment_id: str
    order_id: str
    store_id: str
    location_id: str
    carrier: str
    waybill_no: str
    carrier_reason: str
    region: str
    city: str
    weight_g: int
    created_at: datetime
    estimated_delivery_at: datetime
    status: TrackingStatus = TrackingStatus.INFO_RECEIVED
    last_update_at: datetime | None = None
    events: list[TrackingEvent] = field(default_factory=list)
    service_level: str = "standard"
    price: int = 0
    origin_region: str = ""
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    stalled_at: datetime | None = None  # when the stalled flag was raised
    # Whose parcel and which order number: events are scoped to the customer by these.
    customer_id: str = ""
    order_no: str = ""
    # Recorded by the changes below, not stored: the use case hands them to its unit of work.
    domain_events: list[ShipmentEvent] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    @classmethod
    def create(
        cls,
        *,
        order_id: str,
        store_id: str,
        location_id: str,
        choice: CarrierChoice,
        parcel: Parcel,
        waybill_no: str,
        city: str,
        now: datetime,
        customer_id: str = "",
        order_no: str = "",
    ) -> Shipment:
        now = as_utc(now)
        shipment = cls(
            shipment_id=shipment_id_for(order_id, location_id),
            order_id=order_id,
            store_id=store_id,
            location_id=location_id,
            carrier=choice.carrier.code,
            waybill_no=waybill_no,
            carrier_reason=choice.reason,
            region=parcel.region,
            city=city,
            weight_g=parcel.weight_g,
            created_at=now,
            # From the carrier's promise for this route (same region is faster).
            estimated_delivery_at=now + timedelta(days=choice.days),
            last_update_at=now,
            service_level=parcel.level.value,
            price=choice.price,
            origin_region=parcel.origin_region,
            customer_id=customer_id,
            order_no=order_no,
        )
        shipment.domain_events.append(ShipmentCreated(shipment))
        return shipment

    def pop_domain_events(self) -> list[ShipmentEvent]:
        """The events recorded since the last pop, oldest first."""
        events, self.domain_events = self.domain_events, []
        return events

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def under_way(self) -> bool:
        return not self.is_terminal and self.cancelled_at is None

    @property
    def stalled(self) -> bool:
        return self.stalled_at is not None

    def silent_for_too_long(self, now: datetime, limit: timedelta | None) -> bool:
        """No word from the carrier for longer than `limit` on a parcel still under way."""
        last = self.last_update_at or self.created_at
        return limit is not None and self.under_way and as_utc(now) - as_utc(last) > limit

    def cancel(self, now: datetime, reason: str) -> bool:
        """Cancel before pickup; False when it already was (a retry). Conflict after pickup."""
        if self.cancelled_at is not None:
            return False
        if self.status is not TrackingStatus.INFO_RECEIVED:
            raise Conflict(
                f"shipment is {self.status.value}: it can only be cancelled before pickup"
            )
        self.cancelled_at = as_utc(now)
        self.cancel_reason = reason[:200]
        self.domain_events.append(ShipmentCancelled(self))
        return True

    def mark_stalled(self, now: datetime) -> None:
        """The sweep found it silent for too long (and raised the stored flag, once)."""
        self.stalled_at = now
        silent_since = self.last_update_at or self.created_at
        self.domain_events.append(ShipmentStalled(self, now, silent_since))

    def take_in(
        self,
        new: list[TrackingEvent],
        latest: TrackingEvent | None,
        *,
        now: datetime,
        stall_limit: Callable[[TrackingStatus], timedelta | None],
    ) -> None:
        """New scans joined the stored timeline (`settle`'s arguments): settle, clear the
        stalled flag if the parcel moves again (or is done) by the stall limit of its new
        status, and record what it means: unstalled, one update per scan (and an exception
        for the noteworthy ones), delivered.
        """
        was_delivered = self.status is TrackingStatus.DELIVERED
        self.settle(new, latest)
        flagged = self.stalled_at
        if flagged is not None and not self.silent_for_too_long(now, stall_limit(self.status)):
            self.stalled_at = None
            self.domain_events.append(ShipmentUnstalled(self, flagged))
        for event in new:
            self.domain_events.append(ShipmentUpdated(self, event))
            if event.status in NOTEWORTHY:
                self.domain_events.append(ShipmentException(self, event))
        if self.status is TrackingStatus.DELIVERED and not was_delivered:
            self.domain_events.append(ShipmentDelivered(self))

    def record(self, scans: Iterable[CarrierScan]) -> list[TrackingEvent]:
        """Add the scans not on the (loaded) timeline; return the new events, oldest first.

        Duplicates (same carrier event id, else same time and raw code) are dropped; the
        timeline stays ordered by event time however late a scan arrives. See `settle`.
        """
        known = {e.dedup_key for e in self.events}
        new = [e for e in self.events_from(scans) if e.dedup_key not in known]
        if new:
            latest = self.events[-1] if self.events else None
            for event in new:
                # After equal times: a batch keeps the carrier's order for simultaneous scans.
                bisect.insort_right(self.events, event, key=lambda e: e.at)
            self.settle(new, latest)
        return new

    def events_from(self, scans: Iterable[CarrierScan]) -> list[TrackingEvent]:
        """The scans as timeline events, duplicates within the batch dropped, oldest first
        (a stable sort: simultaneous scans keep the carrier's order)."""
        events: dict[str, TrackingEvent] = {}
        for scan in scans:
            event = TrackingEvent.from_scan(self.carrier, scan)
            events.setdefault(event.dedup_key, event)
        return sorted(events.values(), key=lambda e: e.at)

    def needs_latest(self, new: list[TrackingEvent]) -> bool:
        """Whether `settle` needs the newest stored event to decide the status.

        Only for late scans: `last_update_at` is never older than the newest stored event,
        so a new scan at or after it is the newest of all (or a terminal one decides).
        """
        if self.is_terminal or any(e.status.is_terminal for e in new):
            return False
        return self.last_update_at is None or new[-1].at < as_utc(self.last_update_at)

    def settle(self, new: list[TrackingEvent], latest: TrackingEvent | None) -> None:
        """Status, last update and estimated delivery after `new` events (oldest first,
        none seen before) joined a timeline whose newest event was `latest` (None if it
        was empty or, per `needs_latest`, is not needed).

        The status is the newest event's, except that a terminal status (delivered,
        returned) is final: neither a late earlier scan nor a later glitch reopens it.
        """
        if self.is_terminal or not new:
            return
        terminal = next((e for e in new if e.status.is_terminal), None)
        newest = new[-1]
        if terminal is not None:
            decides: TrackingEvent | None = terminal
        elif latest is None or newest.at >= latest.at:  # ties: the later arrival wins
            decides = newest
        else:
            decides = None  # a late scan: the newest stored event still rules
        if decides is not None:
            self.status = decides.status
            self.estimated_delivery_at = estimate.refine(
                self.estimated_delivery_at, decides, self.region
            )
        if self.last_update_at is None or newest.at > as_utc(self.last_update_at):
            self.last_update_at = newest.at
