"""The audit trail: every staff and head-office change recorded (who, role, store, when,
what, from where, the Idempotency-Key), queryable by head office only, with no personal
data of customers in it."""

from __future__ import annotations

import httpx
import pytest

from .conftest import Backends, Tokens


@pytest.fixture
def users_db_url(database_url: str) -> str:
    """Sessions and the audit trail on both databases (SQLite and PostgreSQL)."""
    return database_url


async def audit(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    r = await client.get("/v1/audit", params=params, headers=Tokens().hq)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


async def test_staff_and_hq_changes_are_recorded_and_customers_are_not(
    client: httpx.AsyncClient, backends: Backends, tokens: Tokens
) -> None:
    order = backends.orders.seed("S1", "C-ALICE")
    staff = {**tokens.staff_s1, "Idempotency-Key": "confirm-1"}
    confirmed = await client.post(f"/v1/orders/{order.order_id}/confirm", headers=staff)
    cancelled = await client.post(
        f"/v1/orders/{order.order_id}/cancel",
        json={"reason": "my address: 1 Century Ave"},
        headers=tokens.alice,
    )
    refused = await client.post("/v1/stores", json={}, headers=tokens.staff_s1)
    await client.get("/v1/orders", headers=tokens.staff_s1)  # reads are not changes

    assert confirmed.status_code == 200 and cancelled.status_code == 200
    assert refused.status_code == 403
    entries = await audit(client)
    assert [(e["username"], e["action"], e["status"]) for e in entries] == [
        ("clerk1", "POST /v1/stores", 403),
        ("clerk1", "POST /v1/orders/{order_ref}/confirm", 200),
    ]
    confirm = entries[1]
    assert confirm["role"] == "store" and confirm["store_id"] == "S1"
    assert confirm["path"] == f"/v1/orders/{order.order_id}/confirm"
    assert confirm["idempotency_key"] == "confirm-1" and confirm["address"] == "127.0.0.1"
    assert confirm["correlation_id"]
    assert "Century" not in str(entries)


async def test_the_trail_is_filtered_and_paged_newest_first(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    for _ in range(3):
        await client.post("/v1/stores", json={}, headers=tokens.hq)
    await client.post("/v1/stores", json={}, headers=tokens.staff_s1)

    first = await client.get("/v1/audit", params={"limit": 2, "role": "hq"}, headers=tokens.hq)
    page = first.json()
    rest = await client.get(
        "/v1/audit",
        params={"limit": 2, "role": "hq", "cursor": page["next_cursor"]},
        headers=tokens.hq,
    )

    assert len(page["items"]) == 2 and page["next_cursor"]
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    assert all(e["role"] == "hq" for e in page["items"] + rest.json()["items"])
    assert [e["username"] for e in await audit(client, store_id="S1")] == ["clerk1"]
    assert await audit(client, username="nobody") == []


async def test_only_head_office_reads_the_trail(client: httpx.AsyncClient, tokens: Tokens) -> None:
    assert (await client.get("/v1/audit")).status_code == 401
    assert (await client.get("/v1/audit", headers=tokens.staff_s1)).status_code == 403
    assert (await client.get("/v1/audit", headers=tokens.alice)).status_code == 403
    bad = await client.get("/v1/audit", params={"cursor": "x"}, headers=tokens.hq)
    assert bad.status_code == 422
