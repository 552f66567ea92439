"""A durable JetStream pull consumer that handles each event exactly once in effect.

Ack only after the handler's transaction commits; the handled event id is written in that
same transaction (`SqlUnitOfWork.handles`), so a redelivery after a crash, a lost ack or a
second replica is recognised and skipped. Transient failures are nak'ed with a growing
delay; an event that keeps failing, that a handler refuses or that cannot be read is kept
as a dead letter (chainkit.deadletter), then terminated; `replay` handles one again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chainkit import deadletter, events, tracing
from chainkit.logging import correlation_id
from chainkit.metrics import ConsumerMetrics
from chainkit.nats import (
    MAX_DELIVER,
    UNLIMITED_DELIVERIES,
    ensure_consumer,
    ensure_dead_letter_stream,
)
from chainkit.uow import InboxMessage, SqlUnitOfWork
from chainstore.common.v1.common_pb2 import EventEnvelope

log = logging.getLogger(__name__)
# A dead letter that could not be stored: the event comes back after this long.
DEAD_LETTER_RETRY_S = 5.0

U = TypeVar("U", bound=SqlUnitOfWork)
EventHandler = Callable[[U, EventEnvelope], Awaitable[None]]


async def pull_forever(
    js: JetStreamContext,
    stream: str,
    durable: str,
    handle: Callable[[Msg], Awaitable[None]],
    batch: int = 50,
) -> None:
    """Fetch from a durable pull consumer and hand each message to `handle`, in order, until
    cancelled. A fetch that finds nothing is idle, not a failure."""
    sub = await js.pull_subscribe_bind(durable, stream)
    try:
        while True:
            try:
                msgs = await sub.fetch(batch, timeout=1.0)
            except (NatsTimeout, TimeoutError):
                continue  # idle (nats-py raises either, depending on where it waited)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("%s: fetch failed; retrying", durable, exc_info=True)
                await asyncio.sleep(1.0)
                continue
            for msg in msgs:
                await handle(msg)
    finally:
        # A pull subscription left behind makes `nc.drain()` wait its full 30 s timeout,
        # so a cancelled consumer would stall the process's graceful shutdown.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


class EventConsumer(Generic[U]):
    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        durable: str,
        handlers: Mapping[str, EventHandler[U]],
        uow_factory: Callable[[], U],
        sessions: async_sessionmaker[AsyncSession],
        batch: int = 50,
    ) -> None:
        self._js = js
        self._stream = stream
        self._durable = durable
        self._handlers = handlers
        self._uow_factory = uow_factory
        self._sessions = sessions
        self._batch = batch
        self._metrics = ConsumerMetrics(stream, durable)

    @property
    def durable(self) -> str:
        return self._durable

    async def run(self) -> None:
        subjects = [events.subject_for(t) for t in self._handlers]
        await ensure_dead_letter_stream(self._js, update=False)
        # We give up ourselves (MAX_DELIVER) and keep the event: the server never drops it.
        await ensure_consumer(
            self._js,
            self._stream,
            self._durable,
            subjects,
            max_deliver=UNLIMITED_DELIVERIES,
        )
        await pull_forever(self._js, self._stream, self._durable, self.handle, self._batch)

    async def handle(self, msg: Msg) -> None:
        await self._metrics.count(msg, self._handle(msg))

    async def _handle(self, msg: Msg) -> str:
        """Handle one message; the outcome (chainkit.metrics.EVENT_OUTCOMES)."""
        try:
            env = events.parse(msg.data)
        except Exception as e:
            return await self._give_up(msg, None, f"unreadable envelope: {e}")
        token = correlation_id.set(env.correlation_id)
        try:
            with tracing.consuming(msg.headers, msg.subject, self._durable):
                return await self._handle_envelope(msg, env)
        finally:
            correlation_id.reset(token)

    async def _handle_envelope(self, msg: Msg, env: EventEnvelope) -> str:
        handler = self._handlers.get(env.type)
        if handler is None:
            await msg.ack()
            return "handled"  # not a type this consumer acts on: nothing to do
        if await self._already_handled(env.event_id):
            await msg.ack()
            return "duplicate"
        try:
            await self._apply(handler, env)
        except Exception as e:
            return await self._retry_or_give_up(msg, env, e)
        await msg.ack()
        return "handled"

    async def _retry_or_give_up(self, msg: Msg, env: EventEnvelope, error: Exception) -> str:
        attempt = msg.metadata.num_delivered
        verdict = deadletter.decide(error, attempt, MAX_DELIVER)
        if isinstance(verdict, deadletter.GiveUp):
            return await self._give_up(msg, env, verdict.reason)
        fields = {"event_id": env.event_id, "type": env.type, "attempt": attempt}
        log.warning("event failed, will retry: %s", error, extra={"fields": fields})
        await msg.nak(delay=verdict.delay_s)
        return "retried"

    async def _apply(self, handler: EventHandler[U], env: EventEnvelope) -> None:
        uow = self._uow_factory()
        uow.handles(self._durable, env.event_id)
        await handler(uow, env)

    async def _give_up(self, msg: Msg, env: EventEnvelope | None, reason: str) -> str:
        fields = {
            "event_id": env.event_id if env else "",
            "type": env.type if env else "",
            "subject": msg.subject,
            "reason": reason,
        }
        if await deadletter.keep(self._js, msg, self._durable, reason, env):
            log.error("event given up, kept as a dead letter", extra={"fields": fields})
            await msg.term()
            return "dead_lettered"
        # Never lose it: it comes back, and we try to keep it again.
        log.error("event given up, dead letter not stored", extra={"fields": fields})
        await msg.nak(delay=DEAD_LETTER_RETRY_S)
        return "retried"

    async def replay(self, data: bytes) -> bool:
        """Handle a dead letter's event again, through the same handler and inbox: whether
        it was handled now (False: handled before, or no handler of ours). Raises what the
        handler raises."""
        env = events.parse(data)
        handler = self._handlers.get(env.type)
        if handler is None or await self._already_handled(env.event_id):
            return False
        token = correlation_id.set(env.correlation_id)
        try:
            await self._apply(handler, env)
        finally:
            correlation_id.reset(token)
        return True

    async def _already_handled(self, event_id: str) -> bool:
        async with self._sessions() as session:
            found = await session.execute(
                select(col(InboxMessage.event_id)).where(
                    col(InboxMessage.consumer) == self._durable,
                    col(InboxMessage.event_id) == event_id,
                )
            )
            return found.first() is not None
