"""Is NATS reachable? A server greets every new connection with an `INFO` line."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


async def _greets(host: str, port: int, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError):
        return False
    return line.startswith(b"INFO")


async def nats_reachable(url: str, timeout_s: float) -> bool:
    """True when any server of a (comma-separated) NATS URL answers like a NATS server."""
    for server in url.split(","):
        parts = urlsplit(server.strip() if "://" in server else f"nats://{server.strip()}")
        if await _greets(parts.hostname or "127.0.0.1", parts.port or 4222, timeout_s):
            return True
    return False
