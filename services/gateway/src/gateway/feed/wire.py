"""The Server-Sent Events wire format (text/event-stream) for feed events."""

from __future__ import annotations

import json

from gateway.feed.cursor import Cursor
from gateway.feed.model import FeedEvent
from gateway.feed.texts import summary

# Browsers reconnect after this many milliseconds (EventSource's `retry`).
RETRY_MS = 2000


def frame(event: FeedEvent, epoch: int, lang: str) -> bytes:
    """`id`, `event` and one JSON `data` line; cached on the event per language, so a
    thousand clients cost one encoding."""
    cached = event.frames.get(lang)
    if cached is None:
        data = event.data()
        data["summary"] = summary(lang, data)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        cursor = Cursor(epoch, event.seq).encode()
        cached = f"id: {cursor}\nevent: {event.type}\ndata: {body}\n\n".encode()
        event.frames[lang] = cached
    return cached


def opening() -> bytes:
    return f"retry: {RETRY_MS}\n: chainstore live feed\n\n".encode()


def heartbeat(position: Cursor | None) -> bytes:
    """A comment keeps proxies from closing an idle stream. With a position, an `id:` line
    (no data: nothing is dispatched) moves the browser's Last-Event-ID past events this
    caller may not see, so a reconnect does not replay them again."""
    if position is None:
        return b": keep-alive\n\n"
    return f": keep-alive\nid: {position.encode()}\n\n".encode()


def reset(position: Cursor) -> bytes:
    """The cursor is older than what the feed keeps: reload, then follow from here."""
    data = json.dumps({"type": "reset", "reason": "cursor outside the retention window"})
    return f"id: {position.encode()}\nevent: reset\ndata: {data}\n\n".encode()
