"""Our events on the outbox, with ids derived from what they describe.

A deterministic event id means a replayed command can never publish a second copy: the
outbox's unique event_id refuses it.
"""

from __future__ import annotations

import uuid

from google.protobuf.message import Message

from chainkit.events import envelope
from logistics.domain.shipment import Shipment
from logistics.service_layer.deps import SOURCE
from logistics.service_layer.ports import UnitOfWork

CARRIER_NAMESPACE = uuid.UUID("0b8f3a52-8d1e-4d0e-9a53-6a2b1f0c9d11")


def emit_for_shipment(
    uow: UnitOfWork, shipment: Shipment, event_type: str, payload: Message, key: str
) -> None:
    """An event about one shipment, for its store (store_id on the envelope)."""
    uow.emit(
        envelope(
            event_type,
            payload,
            source=SOURCE,
            store_id=shipment.store_id,
            event_id=str(uuid.uuid5(uuid.UUID(shipment.shipment_id), key)),
        )
    )


def emit_for_carrier(
    uow: UnitOfWork, carrier: str, event_type: str, payload: Message, key: str
) -> None:
    """An event about a carrier as a whole (head office's concern: no store)."""
    uow.emit(
        envelope(
            event_type,
            payload,
            source=SOURCE,
            event_id=str(uuid.uuid5(CARRIER_NAMESPACE, f"{carrier}\x1f{key}")),
        )
    )
