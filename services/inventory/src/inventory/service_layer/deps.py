"""What the use cases are wired with: built by the composition root
(entrypoints/bootstrap.py), built with fakes by the unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chainkit.clock import Clock, utcnow
from inventory.service_layer.ports import UnitOfWork


@dataclass(frozen=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Clock = utcnow
    # Units of work for look-ups only: they take no write lock (chainkit.db READ_ONLY).
    read_uow: Callable[[], UnitOfWork] | None = None

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads (the writing one when none was wired)."""
        return self.read_uow() if self.read_uow is not None else self.uow()
