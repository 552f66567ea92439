"""A peer's gRPC failure, told in our own domain errors (its status details kept)."""

from __future__ import annotations

import ast

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
from orders.domain.lines import StockShortfall, UnknownSkus

# How inventory starts each field violation naming an unknown SKU; the SKU follows as a
# Python string literal ("unknown SKU 'TEA-10'").
UNKNOWN_SKU = "unknown SKU "

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
        bad = status_detail(error, BadRequest)
        return NotFound(message, details=_unknown_skus(bad) if bad else None)
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return AlreadyExists(message)
    if code == grpc.StatusCode.ABORTED:
        return Retryable(message)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDenied(message)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unavailable(f"{peer} unavailable: {message}")
    return Unavailable(f"{peer} failed ({code.name}): {message}")


def _unknown_skus(bad: BadRequest) -> UnknownSkus | None:
    skus = []
    for v in bad.field_violations:
        if v.description.startswith(UNKNOWN_SKU):
            try:
                sku = ast.literal_eval(v.description.removeprefix(UNKNOWN_SKU))
            except (ValueError, SyntaxError):
                continue
            if isinstance(sku, str):
                skus.append(sku)
    return UnknownSkus(tuple(skus)) if skus else None
