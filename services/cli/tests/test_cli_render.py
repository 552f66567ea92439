"""The CLI's JSON: proto field names, every field present, 64-bit integers as numbers."""

from __future__ import annotations

from chainstore.inventory.v1 import inventory_pb2 as inv
from chainstore.ops.v1 import ops_pb2
from chainstore_cli.render import as_dict, enum_text


def test_int64_fields_are_numbers_at_any_depth_and_zeros_are_kept() -> None:
    row = inv.LowStockRow(
        level=inv.StockLevel(sku="TEA-001", location_id="WH-EAST", on_hand=12, available=3),
        suggestion=inv.Replenishment(from_location_id="WH-NORTH", qty=9, reason="nearest"),
    )
    data = as_dict(row)
    assert data["level"]["on_hand"] == 12 and data["level"]["reserved"] == 0
    assert data["level"]["low_stock"] is False
    assert data["suggestion"] == {"from_location_id": "WH-NORTH", "qty": 9, "reason": "nearest"}
    page = as_dict(inv.ListStockLevelsResponse(items=[row.level, row.level]))
    assert [item["available"] for item in page["items"]] == [3, 3]


def test_uint64_and_timestamps_keep_their_json_forms() -> None:
    dead = ops_pb2.DeadLetter(seq=7, stream_seq=2**40, deliveries=8)
    dead.dead_at.FromSeconds(0)
    data = as_dict(dead)
    assert (data["seq"], data["stream_seq"], data["deliveries"]) == (7, 2**40, 8)
    assert data["dead_at"] == "1970-01-01T00:00:00Z"


def test_enum_names_read_as_words() -> None:
    assert enum_text("ORDER_STATUS_", "ORDER_STATUS_PENDING_PAYMENT") == "pending_payment"
