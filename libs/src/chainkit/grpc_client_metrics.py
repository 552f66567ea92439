"""Counts and times every outgoing unary RPC (grpc_client_* in chainkit.metrics)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import grpc

from chainkit.metrics import CLIENT_RPCS


class ClientMetricsInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Waits for the call's status, so the time covers the whole RPC; the caller then gets
    the finished call (its answer or its error) as before."""

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        method = client_call_details.method
        metrics = CLIENT_RPCS.method(method.decode() if isinstance(method, bytes) else method)
        started = time.perf_counter()
        call = await continuation(client_call_details, request)
        try:
            code = await call.code()
        except asyncio.CancelledError:
            # Our caller gave up while we waited: the RPC itself must stop too.
            call.cancel()
            metrics.record(grpc.StatusCode.CANCELLED, time.perf_counter() - started)
            raise
        metrics.record(code, time.perf_counter() - started)
        return call
