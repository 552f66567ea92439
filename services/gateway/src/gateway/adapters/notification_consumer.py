"""Fills customers' inboxes from the FEED stream with one durable consumer that all
gateway replicas share: each event is handled by one of them, acked after its row is
written; the row's key (the event id) makes a redelivery harmless."""

from __future__ import annotations

import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from chainkit import events, tracing
from chainkit.consumer import pull_forever
from chainkit.metrics import ConsumerMetrics
from chainkit.nats import ensure_consumer
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
        self._metrics = ConsumerMetrics(FEED_STREAM, DURABLE)

    async def run(self) -> None:
        subjects = list(NOTICE_SOURCES)
        await ensure_consumer(self._js, FEED_STREAM, DURABLE, subjects, create_stream=False)
        await pull_forever(self._js, FEED_STREAM, DURABLE, self.handle, batch=100)

    async def handle(self, msg: Msg) -> None:
        await self._metrics.count(msg, self._traced(msg))

    async def _traced(self, msg: Msg) -> str:
        with tracing.consuming(msg.headers, msg.subject, DURABLE):
            return await self._handle(msg)

    async def _handle(self, msg: Msg) -> str:
        """Handle one message; the outcome (chainkit.metrics.EVENT_OUTCOMES)."""
        try:
            env = events.parse(msg.data)
            event = translate(msg.metadata.sequence.stream, env)
            notice = notice_for(env.event_id, event) if event else None
        except Exception:
            log.error("notifications: unreadable event on %s terminated", msg.subject)
            await msg.term()
            return "dead_lettered"
        try:
            if notice is not None:
                await self._store.add(notice)
        except Exception:
            attempt = msg.metadata.num_delivered
            log.warning("notifications: write failed (attempt %d)", attempt, exc_info=True)
            await msg.nak(delay=min(0.5 * 2**attempt, 30.0))
            return "retried"
        await msg.ack()
        return "handled"
