"""`chainstore outbox`, `chainstore consumers`: what each service has not published yet,
and how far every JetStream consumer has got."""

from __future__ import annotations

from typing import Annotated

import typer

from chainstore.ops.v1 import ops_pb2 as pb
from chainstore_cli.connection import GRPC_SERVICES, Services
from chainstore_cli.context import JsonOpt, run
from chainstore_cli.render import as_dict, emit_json, table, when

ServiceOpt = Annotated[
    str,
    typer.Option(
        "--service", help=f"Ask this service ({', '.join(GRPC_SERVICES)}).", show_default=True
    ),
]


def outbox(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Each service's outbox: unsent events, the oldest's age, the relay's mode.

    The relay publishes from memory normally, and from the table while it catches up (at
    start, after NATS refused a publish)."""

    async def body(services: Services) -> list[pb.GetOutboxStatusResponse]:
        found = []
        for service in GRPC_SERVICES:
            async with services.calling(service):
                found.append(
                    await services.ops(service).GetOutboxStatus(
                        pb.GetOutboxStatusRequest(), timeout=services.timeout_s
                    )
                )
        return found

    found = run(ctx, body)
    if json:
        emit_json([as_dict(s) for s in found])
        return
    table(
        "Outbox",
        ["service", "unsent", "oldest unsent", "relay"],
        [
            [
                s.service,
                s.unsent,
                f"{s.oldest_unsent_age_s:.1f} s" if s.unsent else "",
                s.relay_mode,
            ]
            for s in found
        ],
    )


def consumers(ctx: typer.Context, service: ServiceOpt = "orders", json: JsonOpt = False) -> None:
    """Every consumer on every stream: pending, unacknowledged, redelivered, last delivered."""
    if service not in GRPC_SERVICES:
        raise typer.BadParameter(f"one of {', '.join(GRPC_SERVICES)}", param_hint="--service")

    async def body(services: Services) -> pb.ListConsumersResponse:
        async with services.calling(service):
            found: pb.ListConsumersResponse = await services.ops(service).ListConsumers(
                pb.ListConsumersRequest(), timeout=services.timeout_s
            )
        return found

    found = run(ctx, body).consumers
    if json:
        emit_json([as_dict(c) for c in found])
        return
    table(
        "Consumers",
        ["stream", "durable", "pending", "ack pending", "redelivered", "last seq", "last active"],
        [
            [
                c.stream,
                c.durable,
                c.pending,
                c.ack_pending,
                c.redelivered,
                c.last_delivered_seq,
                when(c.last_active),
            ]
            for c in found
        ],
    )
