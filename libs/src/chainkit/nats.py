"""NATS JetStream: connection, stream provisioning and durable consumer provisioning."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from chainkit import deadletter
from chainkit.outgoing import STREAMS

log = logging.getLogger(__name__)

# How long the stream remembers a Nats-Msg-Id: a relay that crashed between publish and
# mark-sent republishes well within this window.
DUPLICATE_WINDOW_S = 120.0
ACK_WAIT_S = 30.0
MAX_DELIVER = 8
# JetStream's "no limit": for consumers that decide themselves when to give up (and then
# keep the event as a dead letter), so the server never drops one silently.
UNLIMITED_DELIVERIES = -1


async def connect(url: str, name: str) -> Client:
    async def on_error(e: Exception) -> None:
        log.warning("nats error: %s", e)

    # NATS_URL may list every node of a cluster, comma-separated: the client fails over.
    servers = [u.strip() for u in url.split(",") if u.strip()]
    return await nats.connect(
        servers,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
    )


async def ensure_stream(
    js: JetStreamContext, name: str, *, replicas: int = 1, update: bool = True
) -> None:
    """Create one of chainstore's streams, or bring it to our config when `update` is set.

    The owning service updates (it decides replicas); a consumer only creates a missing
    stream so it never undoes the owner's settings.
    """
    await _ensure(js, name, STREAMS[name], 7 * 24 * 3600.0, replicas=replicas, update=update)


async def ensure_dead_letter_stream(
    js: JetStreamContext, *, replicas: int = 1, update: bool = True
) -> None:
    """The stream that keeps what consumers gave up on (chainkit.deadletter), for weeks."""
    await _ensure(
        js,
        deadletter.STREAM,
        deadletter.SUBJECTS,
        deadletter.RETENTION_S,
        replicas=replicas,
        update=update,
    )


async def _ensure(
    js: JetStreamContext,
    name: str,
    subjects: str,
    max_age_s: float,
    *,
    replicas: int,
    update: bool,
) -> None:
    config = StreamConfig(
        name=name,
        subjects=[subjects],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
        max_age=max_age_s,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(config)
        return
    if update:
        await js.update_stream(config)


async def ensure_consumer(
    js: JetStreamContext,
    stream: str,
    durable: str,
    subjects: list[str],
    *,
    create_stream: bool = True,
    max_deliver: int = MAX_DELIVER,
) -> None:
    """A durable pull consumer: explicit acks, bounded redelivery with backoff. With
    `create_stream`, one of our service streams is created first if missing; a stream
    someone else declares (the gateway's FEED) must exist already."""
    if create_stream:
        await ensure_stream(js, stream, update=False)
    config = ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT_S,
        max_deliver=max_deliver,
        filter_subjects=subjects,
        max_ack_pending=1000,
    )
    await js.add_consumer(stream, config)
