"""The demo chain `make run` seeds through the public API: what a new user tries first.

Stores and warehouses are placed by real GB/T 2260 district codes: the gateway names their
city and sales region (华东, 华北) from the vendored division table, and the services keep
the codes with their province, city and district names."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.demo_accounts import USERS

WAREHOUSES = [
    {
        "location_id": "WH-EAST",
        "name": "Shanghai central warehouse",
        "kind": "warehouse",
        "district_code": "310115",  # 上海市 浦东新区: region 华东, city 上海市
        "priority": 1,
        "lat": 31.23,
        "lon": 121.47,
    },
    {
        "location_id": "WH-NORTH",
        "name": "Beijing central warehouse",
        "kind": "warehouse",
        "district_code": "110115",  # 北京市 大兴区: 华北
        "priority": 2,
        "lat": 39.90,
        "lon": 116.40,
    },
]
STORES = [
    {
        "store_id": "S001",
        "name": "Nanjing Road",
        "district_code": "310101",  # 上海市 黄浦区
        "kind": "direct",
        "lat": 31.24,
        "lon": 121.48,
    },
    {
        "store_id": "S002",
        "name": "Wangfujing",
        "district_code": "110101",  # 北京市 东城区
        "kind": "direct",
        "lat": 39.91,
        "lon": 116.41,
    },
    {
        "store_id": "S003",
        "name": "West Lake (franchise)",
        "district_code": "330106",  # 浙江省 杭州市 西湖区
        "kind": "franchise",
        "lat": 30.25,
        "lon": 120.15,
    },
]
PRODUCTS = [
    ("TEA-001", "Longjing green tea 250g", "tea", 12800, 300),
    ("TEA-002", "Pu'er tea cake 357g", "tea", 9800, 400),
    ("RICE-001", "Northeast rice 5kg", "grocery", 5990, 5100),
    ("OIL-001", "Peanut oil 1.8L", "grocery", 4590, 1800),
    ("SNK-001", "Sunflower seeds 500g", "snacks", 1590, 520),
    ("SNK-002", "Dried mango 200g", "snacks", 2290, 220),
    ("DRK-001", "Soy milk 1L x 6", "drinks", 3990, 6300),
    ("DRK-002", "Plum juice 1.5L", "drinks", 1290, 1600),
    ("HOM-001", "Bamboo towel set", "home", 6900, 450),
    ("HOM-002", "Ceramic tea cup set", "home", 15800, 1200),
    ("ELC-001", "Electric kettle 1.7L", "electronics", 19900, 1400),
    ("ELC-002", "Rice cooker 3L", "electronics", 39900, 3800),
]
# Each demo product's EAN-13 (made-up codes under the GS1 China 692 prefix, with correct
# check digits, so a till can scan them) and its specification (规格).
BARCODES_SPECS = {
    "TEA-001": ("6920000000111", "250g"),
    "TEA-002": ("6920000000227", "357g"),
    "RICE-001": ("6920000000333", "5kg"),
    "OIL-001": ("6920000000449", "1.8L"),
    "SNK-001": ("6920000000555", "500g"),
    "SNK-002": ("6920000000661", "200g"),
    "DRK-001": ("6920000000777", "1L x 6"),
    "DRK-002": ("6920000000883", "1.5L"),
    "HOM-001": ("6920000000999", "3 pcs"),
    "HOM-002": ("6920000001101", "4 cups"),
    "ELC-001": ("6920000001217", "1.7L 1800W"),
    "ELC-002": ("6920000001323", "3L"),
}


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    r = await client.post(path, json=body)
    if r.status_code not in (200, 201, 409):  # 409: already there from an earlier run
        raise RuntimeError(f"seeding {path} failed: {r.status_code} {r.text}")


async def seed(gateway_url: str, hq_password: str) -> list[dict[str, Any]]:
    """Create the demo chain (idempotent: a second run changes nothing); returns the users."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        token = await client.post(
            "/v1/auth/token", json={"username": "hq", "password": hq_password}
        )
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        existing = await client.get("/v1/products", params={"limit": 1})
        if existing.status_code == 200 and existing.json()["items"]:
            return USERS
        for wh in WAREHOUSES:
            await _post(client, "/v1/locations", wh)
        for store in STORES:
            location = f"LOC-{store['store_id']}"
            await _post(
                client,
                "/v1/locations",
                {
                    "location_id": location,
                    "name": f"{store['name']} stockroom",
                    "kind": "store",
                    "district_code": store["district_code"],
                    "priority": 5,
                    "lat": store["lat"],
                    "lon": store["lon"],
                    "share_online": store["kind"] == "direct",
                },
            )
            body = {k: store[k] for k in ("store_id", "name", "district_code", "kind")}
            await _post(client, "/v1/stores", {**body, "location_id": location})
        for sku, name, category, price, weight in PRODUCTS:
            await _post(
                client,
                "/v1/products",
                {
                    "sku": sku,
                    "name": name,
                    "category": category,
                    "price": price,
                    "currency": "CNY",
                    "weight_g": weight,
                    "barcode": BARCODES_SPECS[sku][0],
                    "spec": BARCODES_SPECS[sku][1],
                },
            )
        stock = {"WH-EAST": 200, "WH-NORTH": 120, "LOC-S001": 15, "LOC-S002": 10, "LOC-S003": 8}
        for location, qty in stock.items():
            await _post(
                client,
                "/v1/inventory/receipts",
                {
                    "location_id": location,
                    "reference": "demo-opening-stock",
                    "lines": [{"sku": p[0], "qty": qty} for p in PRODUCTS],
                },
            )
        for user in USERS:
            await _post(client, "/v1/users", user)
    return USERS
