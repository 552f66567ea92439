"""Dead letters: events a consumer gave up on, kept in their own JetStream stream.

A consumer that gives up on an event (its handler refused it, it kept failing, it cannot be
read) publishes it to `deadletter.<durable>` with why and where it came from as headers,
and only then terminates the original; were that publish to fail, the original is nak'ed
and comes back. Other durables on the same subject handled it already, so a replay goes
to the consumer that gave up only (`EventConsumer.replay`, its inbox deduplicating).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from chainkit.clock import utcnow
from chainkit.errors import DomainError, Retryable, Unavailable
from chainstore.common.v1.common_pb2 import EventEnvelope

log = logging.getLogger(__name__)

STREAM = "DEADLETTER"
SUBJECTS = "deadletter.>"
# Long enough for someone to come back from a holiday and find it.
RETENTION_S = 90 * 24 * 3600.0

H_SUBJECT = "Chainstore-Dead-Subject"
H_STREAM = "Chainstore-Dead-Stream"
H_STREAM_SEQ = "Chainstore-Dead-Stream-Seq"
H_DURABLE = "Chainstore-Dead-Durable"
H_DELIVERIES = "Chainstore-Dead-Deliveries"
H_REASON = "Chainstore-Dead-Reason"
H_AT = "Chainstore-Dead-At"
H_EVENT_ID = "Chainstore-Dead-Event-Id"
H_EVENT_TYPE = "Chainstore-Dead-Event-Type"

# How long a dead letter's publish may wait for the stream's acknowledgement.
PUBLISH_TIMEOUT_S = 5.0

# Backoff between attempts of an event that failed: 1 s, 2 s, 4 s … at most this.
MAX_RETRY_DELAY_S = 30.0


def subject_for(durable: str) -> str:
    return f"deadletter.{durable}"


@dataclass(frozen=True)
class Retry:
    delay_s: float


@dataclass(frozen=True)
class GiveUp:
    reason: str


def decide(error: Exception, deliveries: int, max_deliveries: int) -> Retry | GiveUp:
    """What to do with an event whose handling raised `error` on its `deliveries`-th try.

    A domain error other than Retryable/Unavailable is the handler refusing the event:
    trying again gives the same answer. Anything else may pass on a later try, until the
    event has been tried `max_deliveries` times."""
    refused = isinstance(error, DomainError) and not isinstance(error, Retryable | Unavailable)
    if refused:
        return GiveUp(f"refused: {type(error).__name__}: {error}")
    if deliveries >= max_deliveries:
        return GiveUp(f"failed {deliveries} times: {type(error).__name__}: {error}")
    return Retry(min(0.5 * 2**deliveries, MAX_RETRY_DELAY_S))


def headers_for(
    msg: Msg, durable: str, reason: str, at: datetime, env: EventEnvelope | None
) -> dict[str, str]:
    """The original's own headers (trace context among them), less JetStream's, and ours."""
    meta = msg.metadata
    kept = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")}
    return {
        **kept,
        H_SUBJECT: msg.subject,
        H_STREAM: meta.stream,
        H_STREAM_SEQ: str(meta.sequence.stream),
        H_DURABLE: durable,
        H_DELIVERIES: str(meta.num_delivered),
        # Header values are one line.
        H_REASON: " ".join(reason.split()),
        H_AT: at.isoformat(),
        H_EVENT_ID: env.event_id if env is not None else "",
        H_EVENT_TYPE: env.type if env is not None else "",
        # The same give-up published twice (term lost, event redelivered) is stored once.
        "Nats-Msg-Id": f"{durable}:{meta.stream}:{meta.sequence.stream}",
    }


async def keep(
    js: JetStreamContext,
    msg: Msg,
    durable: str,
    reason: str,
    env: EventEnvelope | None,
) -> bool:
    """Publish `msg` as a dead letter; whether the stream stored it (if not, why is logged)."""
    headers = headers_for(msg, durable, reason, utcnow(), env)
    subject = subject_for(durable)
    try:
        await js.publish(
            subject, msg.data, timeout=PUBLISH_TIMEOUT_S, stream=STREAM, headers=headers
        )
    except Exception:
        log.warning("dead letter not published to %s", subject, exc_info=True)
        return False
    return True


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    durable: str
    reason: str
    subject: str
    stream: str
    stream_seq: int
    deliveries: int
    dead_at: datetime | None
    event_id: str
    event_type: str
    data: bytes

    @classmethod
    def of(cls, raw: RawStreamMsg) -> DeadLetter:
        h = raw.headers or {}
        at = h.get(H_AT, "")
        return cls(
            seq=raw.seq or 0,
            durable=h.get(H_DURABLE, ""),
            reason=h.get(H_REASON, ""),
            subject=h.get(H_SUBJECT, ""),
            stream=h.get(H_STREAM, ""),
            stream_seq=int(h.get(H_STREAM_SEQ) or 0),
            deliveries=int(h.get(H_DELIVERIES) or 0),
            dead_at=datetime.fromisoformat(at) if at else None,
            event_id=h.get(H_EVENT_ID, ""),
            event_type=h.get(H_EVENT_TYPE, ""),
            data=raw.data or b"",
        )


async def list_dead_letters(
    js: JetStreamContext, durables: list[str], limit: int
) -> list[DeadLetter]:
    """The oldest `limit` dead letters of the named durables (read one by one: a dead
    letter is rare, and the operator asks for a page)."""
    found: list[DeadLetter] = []
    for durable in durables:
        seq, taken = 1, 0
        while taken < limit:
            try:
                raw = await js.get_msg(STREAM, seq, subject=subject_for(durable), next=True)
            except NotFoundError:
                break
            found.append(DeadLetter.of(raw))
            taken += 1
            seq = (raw.seq or seq) + 1
    return sorted(found, key=lambda d: d.seq)[:limit]


async def get_dead_letter(js: JetStreamContext, seq: int) -> DeadLetter | None:
    try:
        raw = await js.get_msg(STREAM, seq)
    except NotFoundError:
        return None
    return DeadLetter.of(raw)


async def remove(js: JetStreamContext, seq: int) -> None:
    await js.delete_msg(STREAM, seq)
