"""The API document offline: /docs and /redoc from vendored assets (no CDN), stable
operation ids, examples on the main requests."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from gateway import apidocs

EXTERNAL = re.compile(r"""(src|href)=["'](https?:)?//""")


async def test_docs_and_redoc_load_only_our_own_assets(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        r = await client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert not EXTERNAL.search(r.text), page  # nothing fetched from another host
        assert "cdn" not in r.text.lower() and "fonts.googleapis" not in r.text
        assets = re.findall(r"""(?:src|href)=["'](/apidocs-static/[^"']+)""", r.text)
        assert assets, page
        for asset in assets:
            got = await client.get(asset)
            assert got.status_code == 200 and len(got.content) > 500, asset
    js = await client.get("/apidocs-static/swagger-ui/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"]
    docs = (await client.get("/docs")).text
    assert "/openapi.json" in docs and "/docs/oauth2-redirect" in docs
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200
    policy = (await client.get("/redoc")).headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy


def test_vendored_assets_are_pinned_with_their_licences() -> None:
    static = apidocs.STATIC
    versions = (static / "VERSIONS").read_text()
    assert re.search(r"^swagger-ui-dist\s+5\.35\.0\s+sha512-", versions, re.M)
    assert re.search(r"^redoc\s+2\.5\.4\s+sha512-", versions, re.M)
    for licence in (
        "swagger-ui/LICENSE",
        "swagger-ui/NOTICE",
        "redoc/LICENSE",
        "redoc/redoc.standalone.js.LICENSE.txt",
    ):
        assert (static / licence).stat().st_size > 40, licence
    bundle = (static / "redoc/redoc.standalone.js").read_text(errors="replace")
    assert "fonts.googleapis.com" not in bundle
    # Its one outside reference (a logo) is refused by /redoc's Content-Security-Policy.
    assert "cdn.redoc.ly/redoc/logo-mini.svg" in bundle


async def test_operation_ids_are_stable_unique_and_readable(client: httpx.AsyncClient) -> None:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    ops = {
        (path, method): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    counts = Counter(ops.values())
    assert [k for k, n in counts.items() if n > 1] == []
    assert all(re.fullmatch(r"[a-z0-9-]+-[a-z0-9_]+", x) for x in ops.values()), ops
    assert ops[("/v1/orders", "post")] == "orders-create_order"
    assert ops[("/v1/orders/{order_ref}/pay", "post")] == "orders-pay_order"
    assert ops[("/v1/orders/{order_ref}/receipt", "get")] == "orders-get_receipt"
    assert ops[("/v1/products/by-barcode/{barcode}", "get")] == "products-get_product_by_barcode"
    assert ops[("/v1/inventory", "get")] == "inventory-list_stock_levels"
    # The pages themselves are not API operations.
    assert "/docs" not in spec["paths"] and "/redoc" not in spec["paths"]


def _example_of(spec: dict[str, Any], path: str, method: str) -> Any:
    content = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema = content["schema"]
    ref = next(s["$ref"] for s in [schema, *schema.get("anyOf", [])] if "$ref" in s)
    model = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return content.get("example") or (model.get("examples") or [None])[0]


async def test_the_main_requests_carry_examples_that_the_api_accepts(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    spec = (await client.get("/openapi.json")).json()
    order = _example_of(spec, "/v1/orders", "post")
    pay = _example_of(spec, "/v1/orders/{order_ref}/pay", "post")
    ship = _example_of(spec, "/v1/orders/{order_ref}/ship", "post")
    receipt = _example_of(spec, "/v1/inventory/receipts", "post")
    product = _example_of(spec, "/v1/products", "post")
    for example in (order, pay, ship, receipt, product):
        assert example, spec
    assert order["channel"] == "online" and order["shipping_address"]
    assert pay["reference"] and product["barcode"] and product["spec"]

    # Every example is a request the gateway takes as it is.
    placed = await client.post("/v1/orders", json=order, headers=tokens.alice)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    paid = await client.post(f"/v1/orders/{order_id}/pay", json=pay, headers=tokens.alice)
    assert paid.status_code == 200, paid.text
    shipped = await client.post(f"/v1/orders/{order_id}/ship", json=ship, headers=tokens.hq)
    assert shipped.status_code == 200, shipped.text
    created = await client.post("/v1/products", json=product, headers=tokens.hq)
    assert created.status_code == 201, created.text
    booked = await client.post("/v1/inventory/receipts", json=receipt, headers=tokens.hq)
    assert booked.status_code == 201, booked.text


def test_the_assets_ship_with_the_package() -> None:
    pyproject = Path(apidocs.__file__).parents[3] / "pyproject.toml"
    assert '"gateway.apidocs" = ["static/**/*"]' in pyproject.read_text()
