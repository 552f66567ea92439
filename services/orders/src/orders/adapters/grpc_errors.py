"""A peer's gRPC failure, told in our own domain errors (its status details kept)."""

from __future__ import annotations

from typing import Protocol, TypeVar

import grpc
from google.protobuf.message import Message

from chainkit.errors import (
    AlreadyExists,
    Conflict,
    DomainError,
    FieldError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Retryable,
    Unavailable,
)
from chainkit.grpc_client import detail_in, status_detail
from chainstore.common.v1.common_pb2 import BadRequest
from chainstore.inventory.v1.inventory_pb2 import InsufficientStock, Refusal
from orders.domain.lines import StockShortfall

M = TypeVar("M", bound=Message)


class Details(Protocol):
    """The status detail of a type, if the peer attached one."""

    def __call__(self, cls: type[M]) -> M | None: ...


# Every call a deadline: a slow peer must not hold our callers (and their retries) forever.
DEFAULT_TIMEOUT_S = 5.0


def translate(peer: str, error: grpc.aio.AioRpcError) -> DomainError:
    return _translate(
        peer, error.code(), error.details() or "", lambda cls: status_detail(error, cls)
    )


def translate_refusal(peer: str, refusal: Refusal) -> DomainError:
    """An item of a batch call refused, as its own call would have failed."""
    code = CODES.get(refusal.code, grpc.StatusCode.UNKNOWN)
    return _translate(peer, code, refusal.message, lambda cls: detail_in(refusal.details, cls))


CODES = {c.value[0]: c for c in grpc.StatusCode}


def _translate(peer: str, code: grpc.StatusCode, message: str, detail: Details) -> DomainError:
    message = message or f"{peer} refused the call"
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        shortage = detail(InsufficientStock)
        if shortage is not None:
            available = tuple((s.sku, s.qty) for s in shortage.available)
            return Conflict(message, details=StockShortfall(available))
        return Conflict(message)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        bad = detail(BadRequest)
        fields = [FieldError(v.field, v.message) for v in bad.violations] if bad else []
        return InvalidArgument(message, fields)
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(message)
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return AlreadyExists(message)
    if code == grpc.StatusCode.ABORTED:
        return Retryable(message)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDenied(message)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unavailable(f"{peer} unavailable: {message}")
    return Unavailable(f"{peer} failed ({code.name}): {message}")
