"""A peer's gRPC failure, told in our own domain errors (its status details kept)."""

from __future__ import annotations

import grpc
from google.rpc.error_details_pb2 import BadRequest

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
from chainkit.grpc_client import status_detail
from chainstore.inventory.v1.inventory_pb2 import InsufficientStock
from orders.domain.lines import StockShortfall

# Every call a deadline: a slow peer must not hold our callers (and their retries) forever.
DEFAULT_TIMEOUT_S = 5.0


def translate(peer: str, error: grpc.aio.AioRpcError) -> DomainError:
    code = error.code()
    message = error.details() or f"{peer} refused the call"
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        shortage = status_detail(error, InsufficientStock)
        if shortage is not None:
            available = tuple((s.sku, s.qty) for s in shortage.available)
            return Conflict(message, details=StockShortfall(available))
        return Conflict(message)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        bad = status_detail(error, BadRequest)
        fields = [FieldError(v.field, v.description) for v in bad.field_violations] if bad else []
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
