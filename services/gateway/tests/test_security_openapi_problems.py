"""The OpenAPI document documents every error a route can answer as problem+json, and
problems speak the client's language (zh-CN on request, English otherwise)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from gateway.api.openapi_doc import api_routes
from gateway.api.problems import PROBLEM_JSON
from gateway.api.ratelimit import EXEMPT_PATHS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc: dict[str, Any] = r.json()
    return doc


async def test_every_error_response_is_problem_json_with_its_schema(
    client: httpx.AsyncClient,
) -> None:
    doc = await openapi(client)
    errors = 0
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    errors += 1
                    assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (
                        method,
                        path,
                        code,
                    )
    assert errors > 200
    schemas = doc["components"]["schemas"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert "HTTPValidationError" not in schemas


async def test_statuses_implied_by_a_route_are_documented(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    doc = await openapi(client)
    checked = 0
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            responses = doc["paths"][route.path_format][method.lower()]["responses"]
            if route.path_format not in EXEMPT_PATHS:
                assert "429" in responses, route.path_format
                assert "Retry-After" in responses["429"]["headers"]
            if route.dependant.path_params:
                assert {"404", "422"} <= set(responses), route.path_format
            checked += 1
    orders = doc["paths"]["/v1/orders"]["post"]["responses"]
    assert {"401", "403", "409", "413", "422", "429", "502", "503", "504"} <= set(orders)
    assert "WWW-Authenticate" in orders["401"]["headers"]
    assert {"401", "403"} <= set(doc["paths"]["/v1/users"]["post"]["responses"])
    assert checked > 40


async def test_problems_follow_accept_language_with_the_same_type(
    client: httpx.AsyncClient,
) -> None:
    body = {"username": "", "password": "x"}
    english = await client.post("/v1/auth/token", json=body)
    chinese = await client.post(
        "/v1/auth/token", json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    )

    assert english.status_code == chinese.status_code == 422
    en, zh = english.json(), chinese.json()
    assert en["type"] == zh["type"] == "urn:chainstore:problem:validation-error"
    assert en["title"] == "Unprocessable Entity" and zh["title"] == "请求内容无效"
    assert zh["detail"] == "请求内容无效" and chinese.headers["content-language"] == "zh-CN"
    assert english.headers["content-language"] == "en"
    assert zh["errors"] == [{"field": "username", "message": "至少 1 个字符"}]
    assert en["errors"][0]["field"] == "username" and "at least 1" in en["errors"][0]["message"]


async def test_unauthenticated_and_unknown_routes_in_chinese(client: httpx.AsyncClient) -> None:
    zh = {"Accept-Language": "zh"}
    anonymous = await client.get("/v1/orders", headers=zh)
    missing = await client.get("/v1/nothing-here", headers=zh)
    english = await client.get("/v1/orders", headers={"Accept-Language": "en-GB"})

    assert anonymous.status_code == 401 and anonymous.json()["title"] == "未认证"
    assert anonymous.json()["detail"] == "需要 Authorization: Bearer 令牌"
    assert anonymous.json()["type"] == english.json()["type"]
    assert english.json()["detail"] == "an Authorization: Bearer token is required"
    assert missing.status_code == 404 and missing.json()["title"] == "未找到"


async def test_a_body_that_is_not_even_text_is_a_422_like_any_bad_json(
    client: httpx.AsyncClient,
) -> None:
    """Found by the fuzzer: FastAPI answered an undocumented 400 to bytes that are not UTF-8."""
    r = await client.post(
        "/v1/auth/token",
        content=b"\xd6\xb8\xff\x0b8k",
        headers={"Content-Type": "application/json"},
    )

    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["errors"] == [{"field": "body", "message": "the body is not valid JSON"}]
