"""What a console page tells a person whose action a service refused: one reading of the
gRPC status for every page, each page naming its own text for each kind of refusal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import grpc

Refusal = Literal["state", "lost_race", "exists", "invalid", "not_found"]

# The refusals a page can explain; a status the page gives no text reaches the error page.
KIND_OF_CODE: dict[grpc.StatusCode, Refusal] = {
    grpc.StatusCode.FAILED_PRECONDITION: "state",
    # A concurrent request changed the same thing first (chainkit's Retryable).
    grpc.StatusCode.ABORTED: "lost_race",
    # An id already taken: a concurrent twin won (orders), or a transfer id reused (inventory).
    grpc.StatusCode.ALREADY_EXISTS: "exists",
    grpc.StatusCode.INVALID_ARGUMENT: "invalid",
    grpc.StatusCode.NOT_FOUND: "not_found",
}


def refusal_text(error: grpc.aio.AioRpcError, texts: Mapping[Refusal, str]) -> str | None:
    """The text key a page gives this refusal, None when the page does not explain it."""
    kind = KIND_OF_CODE.get(error.code())
    return None if kind is None else texts.get(kind)
