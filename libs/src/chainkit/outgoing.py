"""An event on its way out: the encoded envelope, its subject and id, as the outbox stores
it. Free of protobuf so that ports and service layers may name it; encoding lives in
`chainkit.events`."""

from __future__ import annotations

import os
from dataclasses import dataclass

STREAMS: dict[str, str] = {
    "ORDERS": "chainstore.orders.>",
    "INVENTORY": "chainstore.inventory.>",
    "LOGISTICS": "chainstore.logistics.>",
}


def subject_for(event_type: str) -> str:
    """`orders.paid` → `chainstore.orders.paid`."""
    return f"chainstore.{event_type}"


@dataclass(frozen=True)
class OutgoingEvent:
    event_id: str
    subject: str
    data: bytes
    # W3C context of the span that emitted it (chainkit.tracing.captured), when tracing:
    # kept on the outbox row, sent as NATS headers, continued by every consumer.
    trace_context: str | None = None


def new_event_id() -> str:
    """A random (version 4) UUID in its usual text form: str(uuid.uuid4()) costs four
    times as much, and Reserve writes one per reservation."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
