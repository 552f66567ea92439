"""Adjustments, the ledger (newest first, keyset pages) and reconciliation over gRPC, and
the `python -m inventory.reconcile` command line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def adjust(inventory: Any, delta: int, adjustment_id: str = "", reason: str = "count") -> Any:
    return await inventory.stub.AdjustStock(
        pb.AdjustStockRequest(
            location_id="WH-1",
            sku="TEA-1",
            delta=delta,
            reason=reason,
            actor="clerk",
            adjustment_id=adjustment_id,
        ),
        timeout=T,
    )


async def setup(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=10)


async def test_adjustments_never_go_below_reserved_and_are_idempotent(inventory: Any) -> None:
    await setup(inventory)
    await inventory.reserve("R-1", TEA_1=4)
    reply = await adjust(inventory, -3, "ADJ-1", reason="damaged")
    assert (reply.level.on_hand, reply.level.reserved) == (7, 4)
    again = await adjust(inventory, -3, "ADJ-1", reason="damaged")
    assert again.level.on_hand == 7  # the retry changed nothing
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await adjust(inventory, -4)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "never go below reserved" in (caught.value.details() or "")
    assert (await adjust(inventory, 5)).level.on_hand == 12
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await adjust(inventory, 0, reason="")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_movements_newest_first_with_keyset_cursor(inventory: Any) -> None:
    await setup(inventory)
    await inventory.reserve("R-1", TEA_1=2)
    await adjust(inventory, -1, "ADJ-1", reason="damaged")
    seen: list[Any] = []
    cursor = ""
    while True:
        page = await inventory.stub.ListMovements(
            pb.ListMovementsRequest(sku="TEA-1", page={"limit": 2, "cursor": cursor}), timeout=T
        )
        seen += page.items
        cursor = page.page.next_cursor
        if not cursor:
            break
    assert [(m.kind, m.on_hand_delta, m.reserved_delta) for m in seen] == [
        ("adjustment", -1, 0),
        ("reservation", 0, 2),
        ("receipt", 10, 0),
    ]
    assert seen[0].reason == "damaged" and seen[0].actor == "clerk"
    assert seen[0].movement_id > seen[1].movement_id
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await inventory.stub.ListMovements(
            pb.ListMovementsRequest(page={"cursor": "bogus"}), timeout=T
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_reconcile_reports_drift_and_repair_compensates(inventory: Any) -> None:
    await setup(inventory)
    await inventory.reserve("R-1", TEA_1=3)
    clean = await inventory.stub.Reconcile(pb.ReconcileRequest(), timeout=T)
    assert clean.clean and list(clean.drifts) == []

    # Corrupt behind the service's back: a level edited by hand, a hold lost.
    async with inventory.engine.begin() as conn:
        await conn.execute(text("UPDATE inv_stock_level SET on_hand = on_hand + 5"))
        await conn.execute(text("UPDATE inv_reservation_line SET qty = 1"))
    report = await inventory.stub.Reconcile(pb.ReconcileRequest(), timeout=T)
    kinds = sorted((d.kind, d.detail.split(" ")[0], d.expected, d.actual) for d in report.drifts)
    assert kinds == [
        ("levels_vs_ledger", "on_hand", 10, 15),
        ("reserved_vs_holds", "held", 1, 3),
    ]
    assert not report.clean

    repaired = await inventory.stub.Reconcile(pb.ReconcileRequest(repair=True), timeout=T)
    assert repaired.repaired == 2 and len(repaired.drifts) == 2
    after = await inventory.stub.Reconcile(pb.ReconcileRequest(), timeout=T)
    assert after.clean, after.drifts
    level = (await inventory.levels(sku="TEA-1"))[("WH-1", "TEA-1")]
    assert (level.on_hand, level.reserved) == (15, 1)


async def test_reconcile_command_line(inventory: Any, database_url: str) -> None:
    await setup(inventory)
    env = {**os.environ, "INVENTORY_DATABASE_URL": database_url}

    async def run(*args: str) -> tuple[int, dict[str, Any]]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "inventory.reconcile",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        return proc.returncode or 0, json.loads(out)

    assert await run() == (0, {"clean": True, "repaired": 0, "drifts": []})
    async with inventory.engine.begin() as conn:
        await conn.execute(text("UPDATE inv_stock_level SET on_hand = on_hand - 2"))
    code, report = await run()
    assert code == 1 and report["drifts"][0]["kind"] == "levels_vs_ledger"
    code, report = await run("--repair")
    assert code == 0 and report["repaired"] == 1
    assert await run() == (0, {"clean": True, "repaired": 0, "drifts": []})
