"""The outbox relay's publish, traced: each event's trace goes on through NATS.

For an event written with a trace context (chainkit.tracing.captured, kept on its outbox
row), the relay opens a PRODUCER span that continues that context, and sends the span's
own context as W3C `traceparent`/`tracestate` headers: a consumer's span is its child. An
event written without one (tracing was off) is published as it is, and starts no trace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, StatusCode

from chainkit import tracing
from chainkit.jetstream_publish import Outgoing, PipelinedPublisher, Published


async def publish_traced(
    publisher: PipelinedPublisher, messages: Sequence[Outgoing], contexts: Sequence[str | None]
) -> Published:
    """`publisher.publish(messages)`, each message with a span and headers when it has a
    stored context (`contexts`, one per message)."""
    if not tracing.ENABLED:
        return await publisher.publish(messages)
    tracer = tracing.tracer()
    spans: list[Span | None] = []
    sent: list[Outgoing] = []
    for message, stored in zip(messages, contexts, strict=True):
        if not stored:
            spans.append(None)
            sent.append(message)
            continue
        span = tracer.start_span(
            f"publish {message.subject}",
            context=tracing.context_from(tracing.headers_of(stored)),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.operation.type": "send",
                "messaging.destination.name": message.subject,
                "messaging.message.id": message.msg_id,
            },
        )
        headers: dict[str, str] = {}
        propagate.inject(headers, context=trace.set_span_in_context(span))
        spans.append(span)
        sent.append(dataclasses.replace(message, headers=headers))
    published = await publisher.publish(sent)
    for index, opened in enumerate(spans):
        if opened is None:
            continue
        if index >= published.stored:
            opened.set_status(StatusCode.ERROR, repr(published.error))
        opened.end()
    return published
