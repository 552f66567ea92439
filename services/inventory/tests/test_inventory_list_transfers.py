"""ListTransfers: what a location has to receive (in transit to it), newest first."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from chainstore.inventory.v1 import inventory_pb2 as pb

T = 15.0


async def send(inventory: Any, tid: str, to: str, qty: int) -> None:
    await inventory.stub.CreateTransfer(
        pb.CreateTransferRequest(
            transfer_id=tid,
            from_location_id="WH-A",
            to_location_id=to,
            lines=[{"sku": "TEA-1", "qty": qty}, {"sku": "TEA-2", "qty": 1}],
        ),
        timeout=T,
    )


async def listed(inventory: Any, to: str, state: Any = pb.TRANSFER_STATE_UNSPECIFIED) -> Any:
    reply = await inventory.stub.ListTransfers(
        pb.ListTransfersRequest(to_location_id=to, state=state), timeout=T
    )
    return reply.items


async def test_a_location_lists_its_incoming_transfers_until_received(inventory: Any) -> None:
    for loc in ["WH-A", "S-1", "S-2"]:
        await inventory.add_location(loc)
    for sku in ["TEA-1", "TEA-2"]:
        await inventory.add_product(sku)
    await inventory.receive("WH-A", TEA_1=10, TEA_2=10)
    await send(inventory, "T-1", "S-1", 2)
    await send(inventory, "T-2", "S-1", 3)
    await send(inventory, "T-3", "S-2", 1)

    incoming = await listed(inventory, "S-1")

    assert [t.transfer_id for t in incoming] == ["T-2", "T-1"]
    assert [(x.sku, x.qty_shipped, x.qty_received) for x in incoming[0].lines] == [
        ("TEA-1", 3, 0),
        ("TEA-2", 1, 0),
    ]
    await inventory.stub.ReceiveTransfer(pb.ReceiveTransferRequest(transfer_id="T-1"), timeout=T)
    assert [t.transfer_id for t in await listed(inventory, "S-1")] == ["T-2"]
    received = await listed(inventory, "S-1", pb.TRANSFER_STATE_RECEIVED)
    assert [t.transfer_id for t in received] == ["T-1"]
    assert [t.transfer_id for t in await listed(inventory, "S-2")] == ["T-3"]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await listed(inventory, "")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
