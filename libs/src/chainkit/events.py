"""Event envelopes and subjects (docs/events.md): `chainstore.<service>.<event>`."""

from __future__ import annotations

import time
from typing import TypeVar

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message

from chainkit import tracing
from chainkit.errors import InvalidArgument
from chainkit.logging import current_correlation_id
from chainkit.outgoing import STREAMS, OutgoingEvent, new_event_id, subject_for
from chainstore.common.v1.common_pb2 import EventEnvelope

M = TypeVar("M", bound=Message)

__all__ = [
    "STREAMS",
    "OutgoingEvent",
    "UnexpectedPayload",
    "envelope",
    "new_event_id",
    "parse",
    "subject_for",
    "unpack",
]


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
