"""Fills customers' inboxes from the FEED stream with one durable consumer that all
gateway replicas share: each event is handled by one of them, acked after its row is
written; the row's key (the event id) makes a redelivery harmless."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from chainkit import events
from chainkit.nats import ACK_WAIT_S, MAX_DELIVER
from gateway.adapters.feed_stream import FEED_STREAM
from gateway.adapters.notification_store import NotificationStore
from gateway.feed.model import translate
from gateway.feed.notices import NOTICE_SOURCES, notice_for

log = logging.getLogger(__name__)

DURABLE = "gateway-notifications"


class NotificationConsumer:
    def __init__(self, js: JetStreamContext, store: NotificationStore) -> None:
        self._js = js
        self._store = store

    async def run(self) -> None:
        config = ConsumerConfig(
            durable_name=DURABLE,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT_S,
            max_deliver=MAX_DELIVER,
            filter_subjects=list(NOTICE_SOURCES),
            max_ack_pending=1000,
        )
        await self._js.add_consumer(FEED_STREAM, config)
        sub = await self._js.pull_subscribe_bind(DURABLE, FEED_STREAM)
        try:
            while True:
                try:
                    msgs = await sub.fetch(100, timeout=1.0)
                except (NatsTimeout, TimeoutError):
                    continue  # idle (nats-py raises either, depending on where it waited)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("notifications: fetch failed; retrying", exc_info=True)
                    await asyncio.sleep(1.0)
                    continue
                for msg in msgs:
                    await self.handle(msg)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def handle(self, msg: Msg) -> None:
        try:
            env = events.parse(msg.data)
            event = translate(msg.metadata.sequence.stream, env)
            notice = notice_for(env.event_id, event) if event else None
        except Exception:
            log.error("notifications: unreadable event on %s terminated", msg.subject)
            await msg.term()
            return
        try:
            if notice is not None:
                await self._store.add(notice)
        except Exception:
            attempt = msg.metadata.num_delivered
            log.warning("notifications: write failed (attempt %d)", attempt, exc_info=True)
            await msg.nak(delay=min(0.5 * 2**attempt, 30.0))
            return
        await msg.ack()
