"""OpenTelemetry tracing: off unless the standard OTEL environment names an OTLP endpoint.

Each process calls `configure(service)` first thing in its main, before it builds engines,
gRPC servers, channels or the FastAPI app. Unconfigured, nothing is installed: no
interceptor, no middleware, no engine listener, and every hook in chainkit costs one read
of `ENABLED`. Configured, spans go through the SDK's batch processor to an OTLP/HTTP
exporter, which reads its own settings (endpoint, headers, timeout) from the environment;
the sampler is the SDK's (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).

Read the flag as `tracing.ENABLED`, never `from chainkit.tracing import ENABLED` (that
copies the value at import time, before `configure` ran).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from importlib import metadata
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind

ENABLED = False
_NOTHING: AbstractContextManager[None] = nullcontext()
TRACER_NAME = "chainkit"

# One text column on an outbox row: `traceparent`, and `tracestate` after a newline when
# there is one (a traceparent never holds a newline).
_SEPARATOR = "\n"


def wanted() -> bool:
    """Whether the environment asks for traces: an OTLP endpoint, not switched off."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def configure(service: str) -> bool:
    """Install the SDK tracer provider when the environment asks for traces; whether it did.
    `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) overrides
    `service`."""
    global ENABLED
    if ENABLED or not wanted():
        return ENABLED
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    ours = Resource.create({"service.name": service, "service.version": _version(service)})
    provider = TracerProvider(resource=ours.merge(OTELResourceDetector().detect()))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    install(provider)
    return True


def install(provider: trace.TracerProvider) -> None:
    """Use `provider` for every span from now on (`configure`'s, or a test's in-memory
    one) and switch chainkit's hooks on. Again with the same provider (a test's, once per
    test), only the hooks: OpenTelemetry sets the global provider once per process."""
    global ENABLED
    if trace.get_tracer_provider() is not provider:
        trace.set_tracer_provider(provider)
    instrument_sql(provider)
    ENABLED = True


def instrument_sql(provider: trace.TracerProvider) -> None:
    """A span per SQL statement of every engine made from now on (chainkit.db wires its
    engines through the function this wraps)."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.instrumentation.utils import unwrap
    from sqlalchemy.engine import Engine

    # Its package declares SQLAlchemy < 2.1; it works on 2.1 (libs/tests/test_tracing.py).
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    # Not a span per pool checkout: background loops check out every fraction of a second,
    # and each would be a trace of its own.
    unwrap(Engine, "connect")
    _instrument_asyncpg(provider)


def _instrument_asyncpg(provider: trace.TracerProvider) -> None:
    """A span per statement sent to asyncpg past SQLAlchemy (chainkit.raw_sql, chainkit.bulk,
    and the BEGIN, COMMIT and ROLLBACK asyncpg sends for SQLAlchemy's transactions)."""
    import asyncpg.prepared_stmt
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.utils import unwrap

    AsyncPGInstrumentor().instrument(tracer_provider=_InsideTraces(provider))  # type: ignore[no-untyped-call]
    # SQLAlchemy runs its own statements as prepared ones, and they have its span already.
    for method in ("fetch", "fetchval", "fetchrow", "executemany", "fetchmany"):
        unwrap(asyncpg.prepared_stmt.PreparedStatement, method)


class _InsideTraces:
    """The asyncpg instrumentation's tracer provider: its spans only inside a trace. Outside
    one, a statement is a background loop's (the outbox relay reads its table twice a second,
    a pooled connection is pinged after a pause), and each would be a trace of its own."""

    def __init__(self, provider: trace.TracerProvider) -> None:
        self._provider = provider

    def get_tracer(self, *args: Any, **kwargs: Any) -> _InsideTracer:
        return _InsideTracer(self._provider.get_tracer(*args, **kwargs))


class _InsideTracer:
    """What the asyncpg instrumentation calls on its tracer, and only that."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def start_as_current_span(self, name: str, **kwargs: Any) -> AbstractContextManager[Span]:
        if not trace.get_current_span().get_span_context().is_valid:
            return nullcontext(trace.INVALID_SPAN)
        return self._tracer.start_as_current_span(name, **kwargs)


def _version(service: str) -> str:
    for dist in (f"chainstore-{service}", "chainstore-libs"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def grpc_server_interceptors() -> list[Any]:
    """OpenTelemetry's aio server interceptor (health checks left out), when tracing."""
    if not ENABLED:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters

    server = aio_server_interceptor(filter_=filters.negate(filters.health_check()))  # type: ignore[no-untyped-call]
    return [server]


def grpc_client_interceptors() -> list[Any]:
    """OpenTelemetry's aio client interceptors, when tracing."""
    if not ENABLED:
        return []
    from opentelemetry.instrumentation.grpc import aio_client_interceptors, filters

    clients = aio_client_interceptors(filter_=filters.negate(filters.health_check()))  # type: ignore[no-untyped-call]
    return list(clients)


def current_span_context() -> SpanContext | None:
    """The active span's context, if one is recording (for links and stored contexts)."""
    if not ENABLED:
        return None
    context = trace.get_current_span().get_span_context()
    return context if context.is_valid else None


def links_to(contexts: list[SpanContext | None]) -> list[Link]:
    return [Link(c) for c in contexts if c is not None]


def captured() -> str | None:
    """The current trace context as W3C text for an outbox row, or None."""
    if not ENABLED:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    parent = carrier.get("traceparent")
    if parent is None:
        return None
    state = carrier.get("tracestate")
    return parent if not state else parent + _SEPARATOR + state


def headers_of(stored: str | None) -> dict[str, str]:
    """W3C headers (`traceparent`, `tracestate`) from a context kept by `captured`."""
    if not stored:
        return {}
    parent, _, state = stored.partition(_SEPARATOR)
    return {"traceparent": parent, "tracestate": state} if state else {"traceparent": parent}


def context_from(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The context W3C headers carry (an empty one without them)."""
    return propagate.extract(dict(headers or {}))


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    links: list[Link] | None = None,
    attributes: Mapping[str, str | int] | None = None,
) -> AbstractContextManager[Span | None]:
    """A span around a block, child of the current one, when tracing; a no-op otherwise."""
    if not ENABLED:
        return _NOTHING
    return tracer().start_as_current_span(name, kind=kind, links=links, attributes=attributes)


def consuming(
    headers: Mapping[str, str] | None, subject: str, consumer: str
) -> AbstractContextManager[Span | None]:
    """A CONSUMER span around handling one NATS message, continuing the trace its W3C
    headers carry (the relay's publish span); a no-op when not tracing."""
    if not ENABLED:
        return _NOTHING
    return tracer().start_as_current_span(
        f"process {subject}",
        context=context_from(headers),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.destination.name": subject,
            "messaging.consumer.group.name": consumer,
        },
    )


def span_for_events(name: str, stored: Sequence[str | None]) -> AbstractContextManager[Span | None]:
    """A span for work done for several events at once, kept by their contexts (`captured`):
    as `span_serving` for their emitting spans; a no-op when none has one."""
    if not ENABLED:
        return _NOTHING
    callers = [_span_context_of(s) for s in stored]
    if not any(callers):
        return _NOTHING
    return span_serving(name, callers)


def _span_context_of(stored: str | None) -> SpanContext | None:
    if not stored:
        return None
    context = trace.get_current_span(context_from(headers_of(stored))).get_span_context()
    return context if context.is_valid else None


def span_serving(
    name: str, callers: list[SpanContext | None]
) -> AbstractContextManager[Span | None]:
    """A span for work done for several callers at once (a batch): linked to each caller's
    span, and a child of the first one's, so a lone call's trace reads as a tree."""
    if not ENABLED:
        return _NOTHING
    first = next((c for c in callers if c is not None), None)
    parent = trace.set_span_in_context(NonRecordingSpan(first)) if first else None
    return tracer().start_as_current_span(
        name,
        context=parent,
        links=links_to(callers),
        attributes={"batch.size": len(callers)},
    )
