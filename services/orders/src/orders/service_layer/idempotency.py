"""Replays of mutating calls: key = actor + ":" + key; same request → the stored answer."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from chainkit.errors import FieldError, InvalidArgument
from orders.domain.order import Order
from orders.service_layer.commands import MutatingCommand
from orders.service_layer.ports import UnitOfWork

MAX_KEY = 200


@dataclass(frozen=True)
class Replayed:
    """The answer the first call with the same key got, as the idempotency store kept it:
    the entrypoint sends `response` back unchanged."""

    order_id: str
    response: bytes


# What an order command answers: the order as it now stands, or the first call's answer.
Answer = Order | Replayed


@dataclass(frozen=True)
class Idempotency:
    """The scoped key (empty: the call is not idempotent) and what the request said."""

    key: str
    request_hash: str


def idempotency_for(operation: str, cmd: MutatingCommand) -> Idempotency:
    if len(cmd.idempotency_key) > MAX_KEY:
        raise InvalidArgument(
            "idempotency key too long",
            [FieldError("idempotency.key", f"at most {MAX_KEY} characters")],
        )
    # Who asks is part of the key, not of the request; the key is not part of the request.
    body = {f.name: getattr(cmd, f.name) for f in _fields(cmd) if f.name not in NOT_HASHED}
    canonical = json.dumps([operation, body], sort_keys=True, default=_plain)
    key = f"{cmd.scope.actor}:{cmd.idempotency_key}" if cmd.idempotency_key else ""
    return Idempotency(key, hashlib.sha256(canonical.encode()).hexdigest())


NOT_HASHED = frozenset({"idempotency_key", "scope"})


def _fields(value: object) -> tuple[dataclasses.Field[object], ...]:
    return dataclasses.fields(value)  # type: ignore[arg-type]


def _plain(value: object) -> object:
    """What dataclasses.asdict made of a value, without its deep copies (a hash stored
    before must keep matching: same keys, same JSON)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in _fields(value)}
    return str(value)


async def replay(uow: UnitOfWork, idem: Idempotency) -> Replayed | None:
    """The stored answer to the same request; InvalidArgument if the key meant another."""
    if not idem.key:
        return None
    record = await uow.idempotency.get(idem.key)
    if record is None:
        return None
    if record.request_hash != idem.request_hash:
        raise InvalidArgument(
            "Idempotency-Key reused with a different request",
            [FieldError("idempotency.key", "already used for a different request")],
        )
    return Replayed(record.order_id, record.response)


async def remember(uow: UnitOfWork, idem: Idempotency, answer: Order) -> None:
    if idem.key:
        await uow.idempotency.add(idem.key, idem.request_hash, answer)
