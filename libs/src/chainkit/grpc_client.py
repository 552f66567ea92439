"""gRPC aio client plumbing: channels, correlation id propagation, status details."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import status_pb2

from chainkit.grpc_client_metrics import ClientMetricsInterceptor
from chainkit.grpc_server import CORRELATION_HEADER, STATUS_DETAILS_KEY
from chainkit.logging import current_correlation_id
from chainstore.common.v1.common_pb2 import Refusal

M = TypeVar("M", bound=Message)


class _CorrelationInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        metadata = list(client_call_details.metadata or [])
        metadata.append((CORRELATION_HEADER, current_correlation_id()))
        details = client_call_details._replace(metadata=metadata)
        return await continuation(details, request)


def open_channel(address: str) -> grpc.aio.Channel:
    """A channel that forwards the correlation id in force on every call and spreads calls
    over every replica of its peer.

    `address` may name several replicas: `dns:///orders-headless:50052` (a Kubernetes
    headless Service: one A record per ready pod) or `ipv4:127.0.0.1:50052,127.0.0.1:50062`
    (the local cluster profile). Round robin keeps a connection to each address and turns
    to the next on every call; servers age their connections out (see grpc_server), so a
    client re-resolves and meets replicas that came up since. A single `host:port` works
    as before.

    Deadlines are passed per call (`timeout=`): service-config deadlines fire early in
    Python (grpc/grpc#34547).
    """
    return grpc.aio.insecure_channel(
        address,
        interceptors=[_CorrelationInterceptor(), ClientMetricsInterceptor()],
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.lb_policy_name", "round_robin"),
            ("grpc.dns_min_time_between_resolutions_ms", 5_000),
        ],
    )


def status_detail(error: grpc.aio.AioRpcError, cls: type[M]) -> M | None:
    """The first status detail of type `cls` a server attached to an error, if any."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            return detail_in(status_pb2.Status.FromString(value).details, cls)
    return None


def detail_in(details: Iterable[Any], cls: type[M]) -> M | None:
    """The first of `details` (a status's, or a batch reply's refusal's) of type `cls`."""
    for item in details:
        if item.Is(cls.DESCRIPTOR):
            found = cls()
            item.Unpack(found)
            return found
    return None


def error_of(refusal: Refusal) -> grpc.aio.AioRpcError:
    """An item of a batch call refused, as the error its own call would have raised: the
    same code, message and status details, so one mapping serves both."""
    status = status_pb2.Status(
        code=refusal.code, message=refusal.message, details=list(refusal.details)
    )
    code = _CODES.get(refusal.code, grpc.StatusCode.UNKNOWN)
    trailing = grpc.aio.Metadata((STATUS_DETAILS_KEY, status.SerializeToString()))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, refusal.message)


_CODES = {c.value[0]: c for c in grpc.StatusCode}
