"""The one wall clock of the suite: timezone-aware UTC.

Use cases take a `clock: Clock` in their dependencies (defaulting to `utcnow`) so tests can
pin time; adapters that stamp rows use `utcnow` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)
