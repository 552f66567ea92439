"""The operations API every gRPC service serves (chainstore.ops.v1.OpsService): its outbox,
the JetStream consumers, and the dead letters of its own consumers, replayed on request."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import grpc
from google.protobuf import timestamp_pb2
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine

from chainkit import deadletter
from chainkit.errors import Conflict, NotFound
from chainkit.outbox import OutboxRelay, read_backlog
from chainstore.ops.v1 import ops_pb2 as pb
from chainstore.ops.v1 import ops_pb2_grpc

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["OpsService"].full_name
DEFAULT_LIMIT = 100


class Replayable(Protocol):
    """A consumer, as replaying needs it (chainkit.consumer.EventConsumer)."""

    async def replay(self, data: bytes) -> bool: ...


def _timestamp(at: datetime | None) -> timestamp_pb2.Timestamp | None:
    if at is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(at)
    return stamp


def dead_letter_message(d: deadletter.DeadLetter, with_data: bool) -> pb.DeadLetter:
    return pb.DeadLetter(
        seq=d.seq,
        durable=d.durable,
        reason=d.reason,
        subject=d.subject,
        stream=d.stream,
        stream_seq=d.stream_seq,
        deliveries=d.deliveries,
        dead_at=_timestamp(d.dead_at),
        event_id=d.event_id,
        event_type=d.event_type,
        data=d.data if with_data else b"",
    )


class OpsServicer(ops_pb2_grpc.OpsServiceServicer):
    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        relay: OutboxRelay,
        js: JetStreamContext,
        consumers: Mapping[str, Replayable],
    ) -> None:
        self._service = service
        self._engine = engine
        self._relay = relay
        self._js = js
        self._consumers = consumers  # by durable: live, a consumer started later shows

    def register(self, server: grpc.aio.Server) -> None:
        ops_pb2_grpc.add_OpsServiceServicer_to_server(self, server)

    async def GetOutboxStatus(
        self, _req: pb.GetOutboxStatusRequest, _ctx: object
    ) -> pb.GetOutboxStatusResponse:
        count, oldest_age_s = await read_backlog(self._engine)
        return pb.GetOutboxStatusResponse(
            service=self._service,
            unsent=count,
            oldest_unsent_age_s=oldest_age_s,
            relay_mode="memory" if self._relay.from_memory else "table",
        )

    async def ListConsumers(
        self, _req: pb.ListConsumersRequest, _ctx: object
    ) -> pb.ListConsumersResponse:
        found = []
        for stream in await self._js.streams_info():
            for info in await self._js.consumers_info(stream.config.name or ""):
                delivered = info.delivered
                found.append(
                    pb.ConsumerStatus(
                        stream=info.stream_name,
                        durable=info.name,
                        pending=info.num_pending or 0,
                        ack_pending=info.num_ack_pending or 0,
                        redelivered=info.num_redelivered or 0,
                        last_delivered_seq=delivered.stream_seq if delivered else 0,
                        last_active=_timestamp(delivered.last_active if delivered else None),
                    )
                )
        found.sort(key=lambda c: (c.stream, c.durable))
        return pb.ListConsumersResponse(consumers=found)

    async def ListDeadLetters(
        self, req: pb.ListDeadLettersRequest, _ctx: object
    ) -> pb.ListDeadLettersResponse:
        durables = sorted(self._consumers)
        if req.durable:
            durables = [d for d in durables if d == req.durable]
        found = await deadletter.list_dead_letters(
            self._js, durables, req.limit if req.limit > 0 else DEFAULT_LIMIT
        )
        return pb.ListDeadLettersResponse(
            dead_letters=[dead_letter_message(d, with_data=False) for d in found]
        )

    async def GetDeadLetter(
        self, req: pb.GetDeadLetterRequest, _ctx: object
    ) -> pb.GetDeadLetterResponse:
        found = await self._ours(req.seq)
        return pb.GetDeadLetterResponse(dead_letter=dead_letter_message(found, with_data=True))

    async def ReplayDeadLetter(
        self, req: pb.ReplayDeadLetterRequest, _ctx: object
    ) -> pb.ReplayDeadLetterResponse:
        found = await self._ours(req.seq)
        try:
            handled = await self._consumers[found.durable].replay(found.data)
        except Exception as e:
            raise Conflict(
                f"dead letter {req.seq} failed again, kept: {type(e).__name__}: {e}"
            ) from e
        # Another replica may have replayed and removed it meanwhile: removed is removed.
        with contextlib.suppress(Exception):
            await deadletter.remove(self._js, found.seq)
        return pb.ReplayDeadLetterResponse(
            dead_letter=dead_letter_message(found, with_data=False), handled=handled
        )

    async def _ours(self, seq: int) -> deadletter.DeadLetter:
        found = await deadletter.get_dead_letter(self._js, seq)
        if found is None:
            raise NotFound(f"no dead letter {seq}")
        if found.durable not in self._consumers:
            raise NotFound(
                f"dead letter {seq} belongs to consumer {found.durable!r}, "
                f"not one of {self._service}'s"
            )
        return found
