"""Domain errors: what went wrong, in words a client can act on. Pure Python.

Each transport maps the `kind` to its own vocabulary in one place: gRPC status codes in
`chainkit.grpc_server`, HTTP problem details at the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    kind: ClassVar[str] = "failed_precondition"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        # Structured facts for the client (e.g. available units per SKU); a transport
        # turns them into status details.
        self.details = details


class NotFound(DomainError):
    kind = "not_found"


class InvalidArgument(DomainError):
    kind = "invalid_argument"

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, details=errors or [])
        self.errors = errors or []


class AlreadyExists(DomainError):
    kind = "already_exists"


class Conflict(DomainError):
    """The request is valid but the state of things refuses it (out of stock, wrong status)."""

    kind = "failed_precondition"


class Retryable(DomainError):
    """A race was lost; trying again may succeed."""

    kind = "aborted"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class PermissionDenied(DomainError):
    kind = "permission_denied"


class Unavailable(DomainError):
    """A peer we depend on is down or too slow."""

    kind = "unavailable"
