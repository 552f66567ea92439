"""The unit-of-work contract every service layer depends on (implemented by
`chainkit.uow.SqlUnitOfWork` and by the fakes in tests). Services extend it with their
repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from chainkit.outgoing import OutgoingEvent


class TransactionPort(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def emit(self, event: OutgoingEvent) -> None:
        """Queue an event: it is published only if this transaction commits."""
        ...

    async def commit(self) -> None:
        """Commit; a lost race on a unique key raises chainkit.errors.Retryable."""
        ...
