"""Inventory's counters move when their events happen: refused reservations by reason,
low-stock alerts once committed (a real server on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from prometheus_client import REGISTRY

from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.service_layer.alerts import publish_crossings

REASONS = ("insufficient_stock", "unknown_sku", "other")


def refused() -> dict[str, float]:
    return {
        r: REGISTRY.get_sample_value("inventory_reservations_refused_total", {"reason": r}) or 0.0
        for r in REASONS
    }


def low_stock_alerts() -> float:
    return REGISTRY.get_sample_value("inventory_low_stock_total") or 0.0


async def test_refused_reservations_are_counted_by_reason(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=2)
    before = refused()

    with pytest.raises(grpc.aio.AioRpcError) as short:
        await inventory.reserve("r-short", TEA_1=5)
    assert short.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError):
        await inventory.reserve("r-unknown", NOPE_1=1)
    with pytest.raises(grpc.aio.AioRpcError):
        await inventory.reserve("", TEA_1=1)  # no reservation id: bad input
    await inventory.reserve("r-ok", TEA_1=2)  # granted: not counted

    after = refused()
    assert {r: after[r] - before[r] for r in REASONS} == {
        "insufficient_stock": 1,
        "unknown_sku": 1,
        "other": 1,
    }


async def test_refusals_in_a_batch_are_counted_each(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=1)
    before = refused()["insufficient_stock"]
    items = [
        pb.ReserveRequest(reservation_id=f"r-{i}", lines=[SkuQty(sku="TEA-1", qty=1)])
        for i in range(3)
    ]
    reply = await inventory.stub.ReserveMany(pb.ReserveManyRequest(items=items), timeout=15)
    granted = [a for a in reply.answers if a.HasField("reservation")]
    assert len(granted) == 1
    assert refused()["insufficient_stock"] - before == 2


async def test_a_low_stock_alert_is_counted_when_its_transaction_commits(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-1", TEA_1=10)
    await inventory.stub.SetThreshold(
        pb.SetThresholdRequest(location_id="WH-1", sku="TEA-1", low_stock_threshold=5),
        timeout=15,
    )
    before = low_stock_alerts()
    await inventory.reserve("r-1", TEA_1=4)  # 6 left: above
    assert low_stock_alerts() == before
    await inventory.reserve("r-2", TEA_1=2)  # 4 left: fell to the threshold, one alert
    await inventory.reserve("r-3", TEA_1=1)  # still low: no second alert
    assert low_stock_alerts() - before == 1


async def test_a_low_stock_alert_refused_or_rolled_back_is_not_counted(inventory: Any) -> None:
    await inventory.add_location("WH-1")
    for sku in ("TEA-1", "TEA-2"):
        await inventory.add_product(sku)
    await inventory.receive("WH-1", TEA_1=10, TEA_2=1)
    await inventory.stub.SetThreshold(
        pb.SetThresholdRequest(location_id="WH-1", sku="TEA-1", low_stock_threshold=5),
        timeout=15,
    )
    before = low_stock_alerts()
    # TEA-1 would fall to 4, but the reservation is refused as a whole (TEA-2 is short).
    with pytest.raises(grpc.aio.AioRpcError) as short:
        await inventory.reserve("r-1", TEA_1=6, TEA_2=2)
    assert short.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # A transaction that wrote the alert and then rolled back.
    uows = inventory.app.deps.uow

    async def alert_then_roll_back() -> None:
        async with uows() as uow:
            assert await uow.stock.try_adjust("TEA-1", "WH-1", -6)
            await publish_crossings(uow, [("TEA-1", "WH-1")])
            level = (await uow.stock.levels_at("WH-1", ["TEA-1"]))["TEA-1"]
            assert level.low_stock  # the flag flipped: the alert was emitted
            raise RuntimeError("refused after the alert")

    with pytest.raises(RuntimeError, match="refused after the alert"):
        await alert_then_roll_back()
    assert low_stock_alerts() == before

    await inventory.reserve("r-2", TEA_1=6)  # the same fall, committed: one alert
    assert low_stock_alerts() - before == 1
