"""gRPC aio client plumbing: channels, correlation id propagation, status details (the
google.rpc.Status a server answers, read with grpcio-status)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2
from grpc_status import rpc_status

from chainkit import deadlines, tracing
from chainkit.grpc_server import CORRELATION_HEADER
from chainkit.logging import current_correlation_id
from chainkit.metrics import CLIENT_RPCS

M = TypeVar("M", bound=Message)


class _Outgoing(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Every outgoing call: the correlation id in force as metadata, a timeout no longer than
    the time left of the work it serves (chainkit.deadlines), counted and timed by its final
    code (grpc_client_* in chainkit.metrics). One interceptor, as each costs a layer per call.

    It waits for the call's status, so the time covers the whole RPC; the caller then gets
    the finished call (its answer or its error) as before."""

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        metadata = [
            *(client_call_details.metadata or ()),
            (CORRELATION_HEADER, current_correlation_id()),
        ]
        details = client_call_details._replace(
            metadata=metadata, timeout=deadlines.bounded(client_call_details.timeout)
        )
        method = details.method
        metrics = CLIENT_RPCS.method(method.decode() if isinstance(method, bytes) else method)
        started = time.perf_counter()
        call = await continuation(details, request)
        try:
            code = await call.code()
        except asyncio.CancelledError:
            # Our caller gave up while we waited: the RPC itself must stop too.
            call.cancel()
            metrics.record(grpc.StatusCode.CANCELLED, time.perf_counter() - started)
            raise
        metrics.record(code, time.perf_counter() - started)
        return call


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
        interceptors=[*tracing.grpc_client_interceptors(), _Outgoing()],
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
