"""gRPC aio server bootstrap: health, reflection, correlation ids, error mapping, shutdown.

Domain errors are mapped to status codes here and only here, and answered as a
`google.rpc.Status` (grpcio-status): field errors as a `google.rpc.BadRequest` detail. A
service that has richer facts to return (e.g. available stock) passes `details_for`, which
turns an error's `details` into protobuf messages sent as further details.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from chainkit import deadlines, tracing
from chainkit.errors import DomainError, InvalidArgument
from chainkit.logging import correlation_id
from chainkit.metrics import SERVER_RPCS

log = logging.getLogger(__name__)
T = TypeVar("T")

STATUS_FOR_KIND: dict[str, grpc.StatusCode] = {
    "not_found": grpc.StatusCode.NOT_FOUND,
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "aborted": grpc.StatusCode.ABORTED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "permission_denied": grpc.StatusCode.PERMISSION_DENIED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}
CORRELATION_HEADER = "x-correlation-id"

DetailsFor = Callable[[DomainError], Iterable[Message]]
Register = Callable[[grpc.aio.Server], None]


def _default_details(error: DomainError) -> Iterable[Message]:
    if isinstance(error, InvalidArgument) and error.errors:
        yield error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=e.field, description=e.message)
                for e in error.errors
            ]
        )


class _Interceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Binds the caller's correlation id and the RPC's remaining time (chainkit.deadlines),
    maps domain errors to statuses and counts every call by its final code."""

    def __init__(self, details_for: DetailsFor) -> None:
        self._details_for = details_for

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        details_for = self._details_for
        method = call_details.method
        metrics = SERVER_RPCS.method(method)

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            cid = dict(context.invocation_metadata() or ()).get(CORRELATION_HEADER, "")
            token = correlation_id.set(cid)
            deadline = deadlines.set_within(context.time_remaining())
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return await inner(request, context)
            except DomainError as e:
                status = rpc_status.to_status(status_of(e, details_for))
                code = status.code
                await context.abort_with_status(status)
            except deadlines.DeadlineExceeded as e:  # its work gave up waiting (a batch, say)
                code = grpc.StatusCode.DEADLINE_EXCEEDED
                await context.abort(code, f"deadline exceeded: {e}")
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except grpc.aio.AbortError:  # the servicer aborted with a code of its own
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s", method)
                await context.abort(code, "internal error")
            finally:
                metrics.record(code, time.perf_counter() - started)
                deadlines.reset(deadline)
                correlation_id.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def status_of(error: DomainError, details_for: DetailsFor = lambda _e: ()) -> status_pb2.Status:
    """The google.rpc.Status an RPC failing with `error` answers: its code, message and
    details; also a batch call's answer for an item refused with it (see
    chainkit.grpc_client error_of for the caller's side)."""
    code = STATUS_FOR_KIND.get(error.kind, grpc.StatusCode.FAILED_PRECONDITION)
    packed = []
    for message in [*_default_details(error), *details_for(error)]:
        item = any_pb2.Any()
        item.Pack(message)
        packed.append(item)
    return status_pb2.Status(code=code.value[0], message=error.message, details=packed)


async def each_answered(
    calls: Iterable[Awaitable[T]], details_for: DetailsFor = lambda _e: ()
) -> list[T | status_pb2.Status]:
    """A batch call's items, run together: each one's result, or its refusal (the status its
    own call would have failed with) when it failed with a domain error. Any other failure
    fails the whole call (INTERNAL), as it would have failed the item's own call."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    answers: list[T | status_pb2.Status] = []
    for outcome in outcomes:
        if isinstance(outcome, DomainError):
            answers.append(status_of(outcome, details_for))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            answers.append(outcome)
    return answers


CONNECTION_AGE_MS = 30_000
CONNECTION_AGE_GRACE_MS = 10_000


async def create_server(
    registrations: Iterable[Register],
    service_names: Iterable[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    details_for: DetailsFor = lambda _e: (),
) -> tuple[grpc.aio.Server, int, health.aio.HealthServicer]:
    """Build and start a server; port 0 binds a free port (returned), for tests."""
    server = grpc.aio.server(
        # Tracing's first (its span covers the rest), when configured (chainkit.tracing).
        interceptors=[*tracing.grpc_server_interceptors(), _Interceptor(details_for)],
        options=[
            ("grpc.so_reuseport", 0),
            # Clients keep one HTTP/2 connection per replica: closing each after a while
            # (gracefully) makes them re-resolve their peer's name and find new replicas.
            ("grpc.max_connection_age_ms", CONNECTION_AGE_MS),
            ("grpc.max_connection_age_grace_ms", CONNECTION_AGE_GRACE_MS),
        ],
    )
    for register in registrations:
        register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = list(service_names)
    SERVER_RPCS.expect(names)
    reflection.enable_server_reflection(
        [*names, reflection.SERVICE_NAME, health.SERVICE_NAME], server
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"cannot bind gRPC port {host}:{port}")
    await server.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound, health_servicer


async def serve_until_signalled(
    server: grpc.aio.Server,
    health_servicer: health.aio.HealthServicer,
    *,
    grace_s: float,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run until SIGTERM/SIGINT, then stop taking calls and give in-flight ones `grace_s`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace_s)
    if on_stop is not None:
        await on_stop()
