"""Deadlines propagate: a call made to serve a request never outlives the request.

The deadline of the work at hand is a monotonic instant in a context variable. A gRPC
server sets it from the remaining time of the RPC it serves (chainkit.grpc_server), the
gateway from its request deadline setting; every channel chainkit opens bounds each call's
`timeout` by it (chainkit.grpc_client): timeout = min(own, remaining). A batch serving several
callers runs under the latest of their deadlines (chainkit.batching) while each caller waits
only until its own. Always on, tracing or not: a clock read and a `min` per call.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Iterable

# time.monotonic() by which the work at hand must be done; None: no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """The deadline of the work at hand passed while it waited (e.g. for a batch)."""


def current() -> float | None:
    return _deadline.get()


def set_within(seconds: float | None) -> contextvars.Token[float | None]:
    """The work at hand must end within `seconds` (None: no deadline); reset with `reset`."""
    return _deadline.set(None if seconds is None else time.monotonic() + seconds)


def set_at(instant: float | None) -> contextvars.Token[float | None]:
    return _deadline.set(instant)


def reset(token: contextvars.Token[float | None]) -> None:
    _deadline.reset(token)


def loop_time_of(instant: float) -> float:
    """A deadline on the running event loop's clock (for asyncio.timeout_at)."""
    return asyncio.get_running_loop().time() + instant - time.monotonic()


def remaining() -> float | None:
    """Seconds left until the deadline in force (0 once passed), or None without one."""
    instant = _deadline.get()
    return None if instant is None else max(instant - time.monotonic(), 0.0)


def bounded(timeout: float | None) -> float | None:
    """A call's own timeout, shortened to the time left of the work it serves."""
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


def latest(instants: Iterable[float | None]) -> float | None:
    """The deadline of work done for several callers: the last of theirs (None if one of
    them has none)."""
    found: float | None = None
    for instant in instants:
        if instant is None:
            return None
        found = instant if found is None else max(found, instant)
    return found
