"""`chainstore dead-letters list|show|replay`: events a consumer gave up on, kept in the
DEADLETTER stream; each service answers for its own consumers' and replays them."""

from __future__ import annotations

import base64
from typing import Annotated

import grpc
import typer

from chainkit import events
from chainstore.inventory.v1 import events_pb2 as _inventory_events  # noqa: F401
from chainstore.logistics.v1 import events_pb2 as _logistics_events  # noqa: F401
from chainstore.ops.v1 import ops_pb2 as pb
from chainstore.orders.v1 import events_pb2 as _orders_events  # noqa: F401
from chainstore_cli.connection import GRPC_SERVICES, CliError, Services, describe, is_not_found
from chainstore_cli.context import FOUND_PROBLEMS, JsonOpt, run
from chainstore_cli.render import as_dict, emit_json, error, facts, table, when

# (The events modules above are imported for their payload types: an envelope's payload
# shows as JSON only when its type is known.)

app = typer.Typer(help="Events consumers gave up on: list, show, replay.", no_args_is_help=True)
SeqArg = Annotated[int, typer.Argument(help="The dead letter's sequence (from `list`).", min=1)]


def envelope_of(data: bytes) -> dict[str, object]:
    """The event as JSON, or its bytes (base64) when it is no readable envelope."""
    try:
        return as_dict(events.parse(data))
    except Exception:
        return {"unreadable": base64.b64encode(data).decode()}


def _dead_letter_json(service: str, d: pb.DeadLetter) -> dict[str, object]:
    found = as_dict(d)
    found.pop("data", None)
    return {"service": service, **found}


@app.command("list")
def list_(
    ctx: typer.Context,
    durable: Annotated[str, typer.Option("--durable", help="Only this consumer's.")] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many each.")] = 100,
    json: JsonOpt = False,
) -> None:
    """Dead letters of every service's consumers, oldest first."""

    async def body(services: Services) -> list[tuple[str, pb.DeadLetter]]:
        found: list[tuple[str, pb.DeadLetter]] = []
        for service in GRPC_SERVICES:
            async with services.calling(service):
                reply = await services.ops(service).ListDeadLetters(
                    pb.ListDeadLettersRequest(durable=durable, limit=limit),
                    timeout=services.timeout_s,
                )
            found.extend((service, d) for d in reply.dead_letters)
        return sorted(found, key=lambda pair: pair[1].seq)

    found = run(ctx, body)
    if json:
        emit_json([_dead_letter_json(service, d) for service, d in found])
        return
    table(
        f"Dead letters ({len(found)})",
        ["seq", "service", "consumer", "event", "subject", "deliveries", "dead at", "reason"],
        [
            [
                d.seq,
                service,
                d.durable,
                d.event_type,
                f"{d.subject} ({d.stream} #{d.stream_seq})",
                d.deliveries,
                when(d.dead_at),
                d.reason,
            ]
            for service, d in found
        ],
    )


async def _owner(services: Services, seq: int) -> tuple[str, pb.DeadLetter]:
    """The service whose consumer gave up on dead letter `seq`, and the dead letter."""
    for service in GRPC_SERVICES:
        try:
            reply = await services.ops(service).GetDeadLetter(
                pb.GetDeadLetterRequest(seq=seq), timeout=services.timeout_s
            )
        except grpc.aio.AioRpcError as e:
            if is_not_found(e):
                continue
            raise CliError(describe(service, services.addrs[service], e)) from None
        return service, reply.dead_letter
    raise CliError(f"no dead letter {seq}")


@app.command("show")
def show(ctx: typer.Context, seq: SeqArg, json: JsonOpt = False) -> None:
    """One dead letter: why, where from, and the event itself."""

    async def body(services: Services) -> tuple[str, pb.DeadLetter]:
        return await _owner(services, seq)

    service, d = run(ctx, body)
    event = envelope_of(d.data)
    if json:
        emit_json({**_dead_letter_json(service, d), "event": event})
        return
    facts(
        f"Dead letter {d.seq}",
        [
            ("service", service),
            ("consumer", d.durable),
            ("reason", d.reason),
            ("subject", d.subject),
            ("stream", f"{d.stream} #{d.stream_seq}"),
            ("deliveries", d.deliveries),
            ("dead at", when(d.dead_at)),
            ("event id", d.event_id),
            ("event type", d.event_type),
        ],
    )
    facts("Event", [(name, value) for name, value in event.items()])


@app.command("replay")
def replay(ctx: typer.Context, seq: SeqArg, json: JsonOpt = False) -> None:
    """Hand a dead letter back to the consumer that gave up on it; removed once handled.

    Exit 1, and the dead letter is kept, when it fails again."""

    async def body(services: Services) -> tuple[str, pb.ReplayDeadLetterResponse | str]:
        # Each service looks the dead letter up itself and answers NOT_FOUND for another's.
        for service in GRPC_SERVICES:
            try:
                reply = await services.ops(service).ReplayDeadLetter(
                    pb.ReplayDeadLetterRequest(seq=seq), timeout=services.timeout_s
                )
            except grpc.aio.AioRpcError as e:
                if is_not_found(e):
                    continue
                if e.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    raise CliError(describe(service, services.addrs[service], e)) from None
                return service, e.details() or "failed again"
            return service, reply
        raise CliError(f"no dead letter {seq}")

    service, outcome = run(ctx, body)
    if isinstance(outcome, str):
        if json:
            emit_json({"service": service, "seq": seq, "replayed": False, "error": outcome})
        else:
            error(outcome)
        raise typer.Exit(FOUND_PROBLEMS)
    d = outcome.dead_letter
    if json:
        emit_json(
            {
                "service": service,
                "seq": seq,
                "replayed": True,
                "handled": outcome.handled,
                "dead_letter": _dead_letter_json(service, d),
            }
        )
        return
    done = "handled" if outcome.handled else "already handled before; nothing done again"
    typer.echo(f"dead letter {seq} ({d.event_type} for {d.durable}) replayed: {done}; removed")
