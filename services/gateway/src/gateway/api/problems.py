"""Every error the gateway answers, mapped in one place to RFC 9457 problem details.

Sources: our own errors (chainkit domain errors), request validation (FastAPI/pydantic),
HTTP errors (unknown routes, methods), gRPC status codes from the three services (with
their status details), and anything unexpected (500, never a stack trace).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc.error_details_pb2 import BadRequest
from starlette.exceptions import HTTPException as StarletteHTTPException

from chainkit.deadlines import DeadlineExceeded
from chainkit.errors import DomainError, InvalidArgument
from chainkit.grpc_client import status_detail
from chainstore.inventory.v1.inventory_pb2 import InsufficientStock
from gateway.adapters.mappers.common import UnexpectedReply
from gateway.api import problem_text
from gateway.api.problem_text import Lang

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}

# gRPC status from a service → HTTP status; anything else is the peer's fault: 502.
STATUS_FOR_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
# Our own errors (chainkit.errors): a kind is the name of the status code it stands for.
STATUS_FOR_KIND: dict[str, int] = {code.name.lower(): s for code, s in STATUS_FOR_CODE.items()}
SLUG_FOR_STATUS: dict[int, str] = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}
# FastAPI's words for a body it could not decode at all.
BODY_PARSE_ERROR = "There was an error parsing the body"
# What a client is told when a peer fails: never addresses or internals.
UPSTREAM_DETAIL: dict[int, str] = {
    502: "a backend service failed to answer the request",
    503: "a backend service is unavailable; try again shortly",
    504: "a backend service did not answer in time; try again shortly",
}


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: Sequence[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    lang: Lang = "en",
    **extensions: Any,
) -> JSONResponse:
    """An `application/problem+json` response; `extensions` become extra members.
    `title` and the gateway's own `detail` texts follow `lang`; `type` never does."""
    body: dict[str, Any] = {
        "type": f"urn:chainstore:problem:{slug or SLUG_FOR_STATUS.get(status, 'error')}",
        "title": problem_text.title(status, lang),
        "status": status,
        "detail": problem_text.detail(detail, lang),
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors]
    body.update(extensions)
    headers = {"Content-Language": lang, **(headers or {})}
    if status == 401:
        headers = {**BEARER_CHALLENGE, **headers}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def lang_of(request: Request) -> Lang:
    return problem_text.language(request.headers.get("accept-language"))


def field_path(loc: Sequence[int | str]) -> str:
    """('body', 'lines', 0, 'qty') → 'lines[0].qty'; the request part is implied."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] if len(parts) > 1 else parts
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = lang_of(request)
    errors = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            errors.append(("body", problem_text.detail("the body is not valid JSON", lang)))
        else:
            # Never echo the input: it may be a password.
            field = field_path(error.get("loc", ()))
            errors.append((field, problem_text.validation_message(error, lang)))
    return problem(422, "the request is not valid", errors=errors, lang=lang)


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = STATUS_FOR_KIND.get(exc.kind, 409)
    lang = lang_of(request)
    if isinstance(exc, InvalidArgument):
        errors = [(e.field, e.message) for e in exc.errors]
        return problem(status, exc.message, errors=errors, lang=lang)
    return problem(status, exc.message, lang=lang)


async def on_rpc_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.aio.AioRpcError)
    code = exc.code()
    status = STATUS_FOR_CODE.get(code, 502)
    lang = lang_of(request)
    if status >= 500:
        log.warning(
            "backend call failed",
            extra={"fields": {"grpc_code": code.name, "path": request.url.path}},
        )
        return problem(status, UPSTREAM_DETAIL.get(status, UPSTREAM_DETAIL[502]), lang=lang)
    detail = exc.details() or HTTPStatus(status).phrase
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        bad = status_detail(exc, BadRequest)
        violations = [(v.field, v.description) for v in bad.field_violations] if bad else []
        return problem(status, detail, errors=violations, lang=lang)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        shortage = status_detail(exc, InsufficientStock)
        if shortage is not None:
            available = [{"sku": line.sku, "available": line.qty} for line in shortage.available]
            return problem(
                status, detail, slug="insufficient-stock", available=available, lang=lang
            )
    return problem(status, detail, lang=lang)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    lang = lang_of(request)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if request.scope.get("chainstore.body_too_large"):  # see gateway.api.body_limit
        return problem(413, "the request body is too large", lang=lang)
    if status == 400 and detail == BODY_PARSE_ERROR:
        # A body that is not even text (bad UTF-8) is invalid JSON like any other.
        errors = [("body", problem_text.detail("the body is not valid JSON", lang))]
        return problem(422, "the request is not valid", errors=errors, lang=lang)
    if status == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"no resource at {request.url.path}"
        if lang == "zh-CN":
            detail = f"{request.url.path} 处没有资源"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        if lang == "zh-CN":
            detail = f"{request.url.path} 不支持 {request.method}"
    return problem(status, detail, headers=dict(exc.headers or {}), lang=lang)


async def on_unexpected_reply(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected reply from a backend service: %s", exc)
    return problem(502, UPSTREAM_DETAIL[502], lang=lang_of(request))


async def on_deadline(request: Request, exc: Exception) -> JSONResponse:
    """The request's deadline passed while it waited on a shared (batched) call."""
    return problem(504, UPSTREAM_DETAIL[504], lang=lang_of(request))


async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "an internal error occurred; it has been logged", lang=lang_of(request))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(grpc.aio.AioRpcError, on_rpc_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(UnexpectedReply, on_unexpected_reply)
    app.add_exception_handler(DeadlineExceeded, on_deadline)
    app.add_exception_handler(Exception, on_unhandled)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route may answer (beyond those its
    dependencies and parameters imply: see gateway.api.openapi_doc)."""
    return {status: problem_response(status) for status in statuses}


def problem_response(status: int) -> dict[str, Any]:
    """One documented error response: problem+json with the Problem schema."""
    response: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }
    elif status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


# Dependencies that may answer a problem themselves (authentication → 401, a role check →
# 403, a backend client → 502/503/504): the OpenAPI document adds those statuses to every
# route that depends on them, so a new route cannot forget them.
DEPENDENCY_STATUSES: dict[Callable[..., Any], tuple[int, ...]] = {}
F = TypeVar("F", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[F], F]:
    def register(dependency: F) -> F:
        DEPENDENCY_STATUSES[dependency] = statuses
        return dependency

    return register
