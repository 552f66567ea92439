"""The OpenAPI document, completed: every error status a route can answer is documented as
`application/problem+json` with the Problem schema.

What a route declares with `documented(...)` is kept; what its shape implies is added:
its dependencies' statuses (401 for authentication, 403 for a role check, 502/503/504 for a
backend client), 422 when it takes any parameter or body, 404 when it has a path
parameter, 413 when it takes a body, and 429 from the rate limiter. FastAPI's own 422
(`HTTPValidationError`, which the gateway never answers) is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from gateway.api.problems import DEPENDENCY_STATUSES, problem_response
from gateway.schemas.common import Problem

_REF_TEMPLATE = "#/components/schemas/{model}"


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route as served: path prefixed, router dependencies included. FastAPI 0.165
    keeps included routers nested, so its own route contexts are walked, as its OpenAPI
    builder does."""
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def implied_statuses(route: Any, *, rate_limited: bool) -> set[int]:
    """The error statuses a route can answer because of its shape and dependencies."""
    statuses: set[int] = {429} if rate_limited else set()
    for dependant in _dependants(route.dependant):
        if dependant.call is not None:
            statuses.update(DEPENDENCY_STATUSES.get(dependant.call, ()))
        if (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
        ):
            statuses.add(422)
        if dependant.path_params:
            statuses.add(404)
        if dependant.body_params:
            statuses.add(413)
    return statuses


def _is_error(code: str) -> bool:
    return code[:1] in ("4", "5")


def complete(doc: dict[str, Any], app: FastAPI, exempt_paths: frozenset[str]) -> dict[str, Any]:
    """`doc` with every route's error statuses documented as problem+json (in place)."""
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        operations = doc["paths"].get(route.path_format, {})
        statuses = implied_statuses(route, rate_limited=route.path_format not in exempt_paths)
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), {})
            for code in list(responses):
                if _is_error(code):
                    described = responses[code]
                    fresh = problem_response(int(code))
                    # Keep a route's own words about why it answers this status.
                    if described.get("description") not in (None, "", "Validation Error"):
                        fresh["description"] = described["description"]
                    responses[code] = fresh
            operation["responses"] = dict(sorted(responses.items()))
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template=_REF_TEMPLATE)
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and _unreferenced(doc, unused):
            del schemas[unused]
    return doc


def _unreferenced(doc: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' not in json.dumps(doc)


def install(
    app: FastAPI,
    *,
    exempt_paths: frozenset[str],
    order: Callable[[list[BaseRoute]], list[BaseRoute]] | None = None,
) -> None:
    """Serve the completed document at /openapi.json (built once, on first request), its
    operations in the routes' `order` (by default the order the app matches them in)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=order(app.routes) if order else app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = complete(doc, app, exempt_paths)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
