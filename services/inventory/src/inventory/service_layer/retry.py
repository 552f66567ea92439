"""Retrying a command whose transaction lost a race (a conditional update matched no row,
or a concurrent call with the same id committed first). Each attempt is a fresh
transaction that re-reads the state, so a retry sees what the winner did."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from chainkit.errors import Retryable

T = TypeVar("T")

MAX_ATTEMPTS = 10


class LostRace(Exception):
    """Raised inside a unit of work to roll it back and try again."""


async def retrying(attempt: Callable[[], Awaitable[T]], what: str) -> T:
    for _ in range(MAX_ATTEMPTS - 1):
        try:
            return await attempt()
        except (LostRace, Retryable):
            continue
    try:
        return await attempt()
    except LostRace as e:
        raise Retryable(f"{what}: stock changed concurrently, try again") from e
