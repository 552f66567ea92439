"""gRPC aio client plumbing: channels, correlation id propagation, status details (the
google.rpc.Status a server answers, read with grpcio-status)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2
from grpc_status import rpc_status

from chainkit import tracing
from chainkit.deadlines import ClientDeadlines
from chainkit.grpc_client_metrics import ClientMetricsInterceptor
from chainkit.grpc_server import CORRELATION_HEADER
from chainkit.logging import current_correlation_id

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
    Python (grpc/grpc#34547). Each is shortened to the time left of the request being
    served (chainkit.deadlines).
    """
    return grpc.aio.insecure_channel(
        address,
        interceptors=[
            *tracing.grpc_client_interceptors(),
            ClientDeadlines(),
            _CorrelationInterceptor(),
            ClientMetricsInterceptor(),
        ],
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.lb_policy_name", "round_robin"),
            ("grpc.dns_min_time_between_resolutions_ms", 5_000),
        ],
    )


def status_detail(error: grpc.aio.AioRpcError, cls: type[M]) -> M | None:
    """The first status detail of type `cls` a server attached to an error, if any."""
    status = rpc_status.from_call(error)
    return detail_in(status.details, cls) if status is not None else None


# Until every service runs a version that sends google.rpc details: an older peer sends field
# errors as chainstore.common.v1.BadRequest, whose fields (1 and 2 of it and of its
# FieldViolation) are google.rpc.BadRequest's, so its bytes read as one.
_FORMER_NAMES = {"google.rpc.BadRequest": "chainstore.common.v1.BadRequest"}


def detail_in(details: Iterable[any_pb2.Any], cls: type[M]) -> M | None:
    """The first of `details` (a status's, or a batch reply's refusal's) of type `cls`."""
    name = cls.DESCRIPTOR.full_name
    names = {name, _FORMER_NAMES.get(name, name)}
    for item in details:
        if item.TypeName() in names:
            return cls.FromString(item.value)
    return None


def error_of(refusal: status_pb2.Status) -> grpc.aio.AioRpcError:
    """An item of a batch call refused, as the error its own call would have raised: the
    same code, message and status details, so one mapping serves both."""
    status = rpc_status.to_status(refusal)
    trailing = grpc.aio.Metadata(*status.trailing_metadata)
    return grpc.aio.AioRpcError(status.code, grpc.aio.Metadata(), trailing, status.details)
