"""Our domain events as protobuf envelopes for the outbox, with ids derived from what they
describe: a replayed command can never publish a second copy, the outbox's unique event_id
refuses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import assert_never

from google.protobuf.message import Message

from chainkit.events import envelope
from chainkit.outgoing import OutgoingEvent
from chainstore.logistics.v1 import events_pb2
from chainstore.logistics.v1 import logistics_pb2 as pb
from logistics.adapters.shipment_pb import event_pb, shipment_pb, timestamp
from logistics.domain.events import (
    CarrierPushGap,
    CarrierPushResumed,
    LogisticsEvent,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentException,
    ShipmentStalled,
    ShipmentUnstalled,
    ShipmentUpdated,
)
from logistics.domain.shipment import Shipment

SOURCE = "logistics"
CARRIER_NAMESPACE = uuid.UUID("0b8f3a52-8d1e-4d0e-9a53-6a2b1f0c9d11")

Snapshot = Callable[[Shipment], pb.Shipment]


def encode(events: Iterable[LogisticsEvent]) -> list[OutgoingEvent]:
    """Each event's envelope, in order. The events of one change share one snapshot of
    their shipment, built once (only the loaded fields: ingest leaves the timeline out)."""
    snapshots: dict[str, pb.Shipment] = {}

    def snapshot(shipment: Shipment) -> pb.Shipment:
        found = snapshots.get(shipment.shipment_id)
        if found is None:
            found = snapshots[shipment.shipment_id] = shipment_pb(shipment)
        return found

    return [_envelope(event, snapshot) for event in events]


def _envelope(event: LogisticsEvent, snapshot: Snapshot) -> OutgoingEvent:
    match event:
        case ShipmentCreated(shipment=s):
            payload: Message = events_pb2.ShipmentCreated(shipment=snapshot(s))
            return _about_shipment(s, "logistics.shipment_created", payload, "created")
        case ShipmentUpdated(shipment=s, scan=scan):
            payload = events_pb2.ShipmentUpdated(shipment=snapshot(s), event=event_pb(scan))
            key = f"updated:{scan.dedup_key}"
            return _about_shipment(s, "logistics.shipment_updated", payload, key)
        case ShipmentException(shipment=s, scan=scan):
            payload = events_pb2.ShipmentException(shipment=snapshot(s), event=event_pb(scan))
            key = f"exception:{scan.dedup_key}"
            return _about_shipment(s, "logistics.shipment_exception", payload, key)
        case ShipmentDelivered(shipment=s):
            payload = events_pb2.ShipmentDelivered(shipment=snapshot(s))
            return _about_shipment(s, "logistics.shipment_delivered", payload, "delivered")
        case ShipmentStalled(shipment=s):
            payload = events_pb2.ShipmentStalled(
                shipment=snapshot(s), silent_since=timestamp(event.silent_since)
            )
            key = f"stalled:{event.flagged_at.isoformat()}"
            return _about_shipment(s, "logistics.shipment_stalled", payload, key)
        case ShipmentUnstalled(shipment=s):
            payload = events_pb2.ShipmentUnstalled(shipment=snapshot(s))
            key = f"unstalled:{event.flagged_at.isoformat()}"
            return _about_shipment(s, "logistics.shipment_unstalled", payload, key)
        case ShipmentCancelled(shipment=s):
            payload = events_pb2.ShipmentCancelled(shipment=snapshot(s))
            return _about_shipment(s, "logistics.shipment_cancelled", payload, "cancelled")
        case CarrierPushGap(carrier=code):
            payload = events_pb2.CarrierPushGap(
                carrier=code,
                silent_since=timestamp(event.silent_since),
                parcels_under_way=event.parcels_under_way,
            )
            key = f"gap:{event.opened_at.isoformat()}"
            return _about_carrier(code, "logistics.carrier_push_gap", payload, key)
        case CarrierPushResumed(carrier=code):
            payload = events_pb2.CarrierPushResumed(carrier=code)
            key = f"resumed:{event.closed_at.isoformat()}"
            return _about_carrier(code, "logistics.carrier_push_resumed", payload, key)
        case _:
            assert_never(event)


def _about_shipment(
    shipment: Shipment, event_type: str, payload: Message, key: str
) -> OutgoingEvent:
    """An event about one shipment, for its store (store_id on the envelope)."""
    return envelope(
        event_type,
        payload,
        source=SOURCE,
        store_id=shipment.store_id,
        event_id=str(uuid.uuid5(uuid.UUID(shipment.shipment_id), key)),
    )


def _about_carrier(carrier: str, event_type: str, payload: Message, key: str) -> OutgoingEvent:
    """An event about a carrier as a whole (head office's concern: no store)."""
    return envelope(
        event_type,
        payload,
        source=SOURCE,
        event_id=str(uuid.uuid5(CARRIER_NAMESPACE, f"{carrier}\x1f{key}")),
    )
