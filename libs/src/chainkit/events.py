"""Event envelopes and subjects (docs/events.md): `chainstore.<service>.<event>`."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message

from chainkit import tracing
from chainkit.errors import InvalidArgument
from chainkit.logging import current_correlation_id
from chainstore.common.v1.common_pb2 import EventEnvelope

M = TypeVar("M", bound=Message)

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


def envelope(
    event_type: str,
    payload: Message,
    *,
    source: str,
    store_id: str = "",
    causation_id: str = "",
    event_id: str | None = None,
    correlation_id: str = "",
) -> OutgoingEvent:
    """Wrap a payload for publishing; the correlation id is the one in force unless given
    (work done for several requests at once, as a Reserve batch, names each its own)."""
    now = time.time_ns()  # Timestamp.GetCurrentTime goes through datetime: slower
    occurred_at = timestamp_pb2.Timestamp(seconds=now // 1_000_000_000, nanos=now % 1_000_000_000)
    packed = any_pb2.Any()
    packed.Pack(payload)
    env = EventEnvelope(
        event_id=event_id or new_event_id(),
        type=event_type,
        occurred_at=occurred_at,
        source=source,
        correlation_id=correlation_id or current_correlation_id(),
        causation_id=causation_id,
        store_id=store_id,
        payload=packed,
    )
    return OutgoingEvent(
        env.event_id, subject_for(event_type), env.SerializeToString(), tracing.captured()
    )


def parse(data: bytes) -> EventEnvelope:
    env = EventEnvelope()
    env.ParseFromString(data)
    if not env.event_id or not env.type:
        raise ValueError("envelope without event_id or type")
    return env


class UnexpectedPayload(InvalidArgument, ValueError):
    """An event whose payload is not what its type says: no retry will read it, so a
    consumer refuses it at once (a dead letter) rather than trying it again and again."""


def unpack(env: EventEnvelope, cls: type[M]) -> M:
    msg = cls()
    if not env.payload.Unpack(msg):
        raise UnexpectedPayload(
            f"{env.type}: payload is {env.payload.type_url}, not {cls.__name__}"
        )
    return msg
