"""Products at the till: barcodes (EAN-13) and specifications, and the scan look-up."""

from __future__ import annotations

from typing import Any

import httpx

COLA = "6901234567892"
PRODUCT = {
    "sku": "COLA-500",
    "name": "可乐",
    "category": "drinks",
    "price": 350,
    "weight_g": 550,
    "barcode": COLA,
    "spec": "500ml",
}


async def test_a_product_carries_its_barcode_and_spec(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    created = await client.post("/v1/products", json=PRODUCT, headers=tokens.hq)
    sent = backends.inventory.last("CreateProduct").product
    sent_fields = (sent.barcode, sent.spec)
    relabelled = await client.patch(
        "/v1/products/COLA-500", json={"barcode": "", "spec": "330ml"}, headers=tokens.hq
    )
    update = backends.inventory.last("UpdateProduct")

    assert created.status_code == 201, created.text
    assert created.json() == {**PRODUCT, "currency": "CNY"}
    assert sent_fields == (COLA, "500ml")
    # "" is sent (not left out): it removes the barcode.
    assert update.HasField("barcode") and update.barcode == "" and update.spec == "330ml"
    assert relabelled.json()["barcode"] is None and relabelled.json()["spec"] == "330ml"


async def test_a_barcode_is_validated_before_it_reaches_inventory(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    typo = await client.post(
        "/v1/products", json={**PRODUCT, "barcode": "6901234567893"}, headers=tokens.hq
    )
    short = await client.post(
        "/v1/products", json={**PRODUCT, "barcode": "69012"}, headers=tokens.hq
    )
    long_spec = await client.post(
        "/v1/products", json={**PRODUCT, "spec": "x" * 101}, headers=tokens.hq
    )

    for r, field in ((typo, "barcode"), (short, "barcode"), (long_spec, "spec")):
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
    assert "check digit" in typo.json()["errors"][0]["message"]
    assert backends.inventory.count("CreateProduct") == 0


async def test_a_till_scans_a_barcode(
    client: httpx.AsyncClient, backends: Any, tokens: Any
) -> None:
    await client.post("/v1/products", json=PRODUCT, headers=tokens.hq)
    scanned = await client.get(f"/v1/products/by-barcode/{COLA}", headers=tokens.staff_s1)
    asked = backends.inventory.last("GetProductByBarcode").barcode
    unknown = await client.get("/v1/products/by-barcode/6920202888883", headers=tokens.staff_s1)
    garbage = await client.get("/v1/products/by-barcode/COLA", headers=tokens.staff_s1)
    listed = await client.get("/v1/products", params={"barcode": COLA}, headers=tokens.staff_s1)
    none = await client.get(
        "/v1/products", params={"barcode": "6920202888883"}, headers=tokens.staff_s1
    )

    assert scanned.status_code == 200 and scanned.json()["sku"] == "COLA-500"
    assert asked == COLA
    assert unknown.status_code == 404
    assert garbage.status_code == 422
    assert [p["sku"] for p in listed.json()["items"]] == ["COLA-500"]
    assert listed.json()["next_cursor"] is None
    assert none.json() == {"items": [], "next_cursor": None}
