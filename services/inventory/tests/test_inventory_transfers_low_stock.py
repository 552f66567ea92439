"""Transfers in transit (partial receipts, idempotent) and low-stock alerts published once
per crossing, cleared on restock, listed with a replenishment suggestion."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import nats
import pytest
from nats.aio.msg import Msg

from chainkit import events
from chainstore.common.v1.common_pb2 import GeoPoint
from chainstore.inventory.v1 import events_pb2
from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def transfer(inventory: Any, tid: str, qty: int) -> Any:
    return await inventory.stub.CreateTransfer(
        pb.CreateTransferRequest(
            transfer_id=tid,
            from_location_id="WH-A",
            to_location_id="WH-B",
            lines=[{"sku": "TEA-1", "qty": qty}],
            actor="ops",
        ),
        timeout=T,
    )


async def receive(inventory: Any, tid: str, qty: int | None, receipt_id: str = "") -> Any:
    lines = [] if qty is None else [{"sku": "TEA-1", "qty": qty}]
    return await inventory.stub.ReceiveTransfer(
        pb.ReceiveTransferRequest(transfer_id=tid, lines=lines, receipt_id=receipt_id),
        timeout=T,
    )


async def at(inventory: Any, location_id: str) -> tuple[int, int, int]:
    level = (await inventory.levels(sku="TEA-1"))[(location_id, "TEA-1")]
    return level.on_hand, level.reserved, level.in_transit


async def test_transfer_in_transit_partial_receipt_and_idempotency(inventory: Any) -> None:
    for loc in ["WH-A", "WH-B"]:
        await inventory.add_location(loc)
    await inventory.add_product("TEA-1")
    await inventory.receive("WH-A", TEA_1=10)
    await inventory.receive("WH-B", TEA_1=1)
    await inventory.reserve("R-1", TEA_1=3)  # held at WH-A (priority tie: id order)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await transfer(inventory, "T-1", 8)  # only 7 unreserved at A
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    t = await transfer(inventory, "T-1", 6)
    assert t.state == pb.TRANSFER_STATE_IN_TRANSIT
    assert (await transfer(inventory, "T-1", 6)) == t  # a retry ships nothing more
    assert await at(inventory, "WH-A") == (4, 3, 0)
    assert await at(inventory, "WH-B") == (1, 0, 6)

    part = await receive(inventory, "T-1", 2, receipt_id="GRN-1")
    assert [(x.qty_shipped, x.qty_received) for x in part.lines] == [(6, 2)]
    await receive(inventory, "T-1", 2, receipt_id="GRN-1")  # same receipt again: no-op
    assert await at(inventory, "WH-B") == (3, 0, 4)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await receive(inventory, "T-1", 5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    done = await receive(inventory, "T-1", None)  # the rest
    assert done.state == pb.TRANSFER_STATE_RECEIVED
    assert await at(inventory, "WH-B") == (7, 0, 0)
    assert (await receive(inventory, "T-1", None)).state == pb.TRANSFER_STATE_RECEIVED
    assert await at(inventory, "WH-B") == (7, 0, 0)
    report = await inventory.stub.Reconcile(pb.ReconcileRequest(), timeout=T)
    assert report.clean, report.drifts


async def test_low_stock_published_once_cleared_on_restock_and_listed(inventory: Any) -> None:
    async def located(location_id: str, lat: float, lon: float) -> None:
        await inventory.stub.CreateLocation(
            pb.CreateLocationRequest(
                location=pb.Location(
                    location_id=location_id,
                    name=location_id,
                    kind=pb.LOCATION_KIND_WAREHOUSE,
                    region="east",
                    priority=1,
                    point=GeoPoint(lat=lat, lon=lon),
                )
            ),
            timeout=T,
        )

    await located("ST-SH", 31.23, 121.47)
    await located("WH-HZ", 30.27, 120.15)
    await located("WH-BJ", 39.90, 116.40)
    await inventory.add_product("TEA-1")
    for loc, qty in [("ST-SH", 6), ("WH-HZ", 12), ("WH-BJ", 50)]:
        await inventory.receive(loc, TEA_1=qty)
    for loc, threshold in [("ST-SH", 3), ("WH-HZ", 10), ("WH-BJ", 5)]:
        await inventory.stub.SetThreshold(
            pb.SetThresholdRequest(location_id=loc, sku="TEA-1", low_stock_threshold=threshold),
            timeout=T,
        )

    nc = await nats.connect(inventory.nats_url)
    seen: asyncio.Queue[Msg] = asyncio.Queue()

    async def on_message(msg: Msg) -> None:
        if msg.subject.startswith("chainstore.inventory.low_stock"):
            await seen.put(msg)

    await nc.subscribe("chainstore.inventory.*", cb=on_message)
    try:

        async def sell(n: int, qty: int) -> None:
            await inventory.stub.SellAtLocation(
                pb.SellAtLocationRequest(
                    sale_id=f"S-{n}", location_id="ST-SH", lines=[{"sku": "TEA-1", "qty": qty}]
                ),
                timeout=T,
            )

        await sell(1, 2)  # 4 left: above 3
        await asyncio.gather(sell(2, 1), sell(3, 1))  # 2 left: crossed once
        await sell(4, 1)  # 1 left: still low, no new alert
        first = await asyncio.wait_for(seen.get(), 10)
        assert first.subject == "chainstore.inventory.low_stock"
        alert = events.unpack(events.parse(first.data), events_pb2.LowStock)
        assert (alert.level.location_id, alert.level.available) in {("ST-SH", 2), ("ST-SH", 3)}
        # Hangzhou is nearer but has only 2 above its threshold; it is still the suggestion.
        assert alert.suggestion.from_location_id == "WH-HZ"

        listed = await inventory.stub.ListLowStock(pb.ListLowStockRequest(), timeout=T)
        assert [(x.level.location_id, x.level.available) for x in listed.items] == [("ST-SH", 1)]
        hint = listed.items[0].suggestion
        assert (hint.from_location_id, hint.qty) == ("WH-HZ", 2)
        assert "km away" in hint.reason

        await inventory.receive("ST-SH", reference="PO-9", TEA_1=5)  # 6: above again
        cleared = await asyncio.wait_for(seen.get(), 10)
        assert cleared.subject == "chainstore.inventory.low_stock_cleared"
        await asyncio.sleep(0.3)
        assert seen.empty()  # exactly one alert and one clear
    finally:
        await nc.drain()
    listed = await inventory.stub.ListLowStock(pb.ListLowStockRequest(), timeout=T)
    assert list(listed.items) == []
