"""Event payloads (protos/chainstore/inventory/v1/events.proto) built from domain facts."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import Message

from chainkit.events import OutgoingEvent, envelope
from chainstore.common.v1.common_pb2 import SkuQty as SkuQtyPb
from chainstore.inventory.v1 import events_pb2, inventory_pb2
from inventory.domain.allocation import Allocation
from inventory.domain.low_stock import Suggestion
from inventory.domain.model import Sale, SkuQty, StockLevel
from inventory.domain.reservation import Reservation
from inventory.domain.transfer import Transfer, TransferState

SOURCE = "inventory"


def _event(name: str, payload: Message, correlation_id: str = "") -> OutgoingEvent:
    return envelope(f"inventory.{name}", payload, source=SOURCE, correlation_id=correlation_id)


def _lines(lines: Iterable[SkuQty]) -> list[SkuQtyPb]:
    return [SkuQtyPb(sku=x.sku, qty=x.qty) for x in lines]


def _allocations(allocations: Iterable[Allocation]) -> list[inventory_pb2.Allocation]:
    return [
        inventory_pb2.Allocation(location_id=a.location_id, sku=a.sku, qty=a.qty, reason=a.reason)
        for a in allocations
    ]


def stock_received(location_id: str, lines: Iterable[SkuQty], reference: str) -> OutgoingEvent:
    return _event(
        "stock_received",
        events_pb2.StockReceived(location_id=location_id, lines=_lines(lines), reference=reference),
    )


def stock_reserved(r: Reservation, correlation_id: str = "") -> OutgoingEvent:
    return _event(
        "stock_reserved",
        events_pb2.StockReserved(
            reservation_id=r.reservation_id, allocations=_allocations(r.allocations)
        ),
        correlation_id,
    )


def reservation_committed(r: Reservation) -> OutgoingEvent:
    return _event(
        "reservation_committed",
        events_pb2.ReservationCommitted(
            reservation_id=r.reservation_id, allocations=_allocations(r.allocations)
        ),
    )


def reservation_released(r: Reservation) -> OutgoingEvent:
    return _event(
        "reservation_released",
        events_pb2.ReservationReleased(
            reservation_id=r.reservation_id,
            allocations=_allocations(r.allocations),
            reason=r.release_reason,
            restocked=r.restocked,
        ),
    )


def stock_sold(sale: Sale) -> OutgoingEvent:
    return _event(
        "stock_sold",
        events_pb2.StockSold(
            sale_id=sale.sale_id, location_id=sale.location_id, lines=_lines(sale.lines)
        ),
    )


def level_pb(level: StockLevel) -> inventory_pb2.StockLevel:
    return inventory_pb2.StockLevel(
        sku=level.sku,
        location_id=level.location_id,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=level.available,
        low_stock_threshold=level.low_stock_threshold,
        in_transit=level.in_transit,
        low_stock=level.low_stock,
    )


def suggestion_pb(s: Suggestion) -> inventory_pb2.Replenishment:
    return inventory_pb2.Replenishment(
        from_location_id=s.from_location_id, qty=s.qty, reason=s.reason
    )


_TRANSFER_STATE = {
    TransferState.IN_TRANSIT: inventory_pb2.TRANSFER_STATE_IN_TRANSIT,
    TransferState.RECEIVED: inventory_pb2.TRANSFER_STATE_RECEIVED,
}


def transfer_pb(t: Transfer) -> inventory_pb2.Transfer:
    msg = inventory_pb2.Transfer(
        transfer_id=t.transfer_id,
        from_location_id=t.from_location_id,
        to_location_id=t.to_location_id,
        state=_TRANSFER_STATE[t.state],
        lines=[
            inventory_pb2.TransferLine(
                sku=x.sku, qty_shipped=x.qty_shipped, qty_received=x.qty_received
            )
            for x in t.lines
        ],
    )
    if t.created_at is not None:
        msg.created_at.FromDatetime(t.created_at)
    return msg


def stock_adjusted(
    location_id: str, sku: str, delta: int, reason: str, adjustment_id: str
) -> OutgoingEvent:
    return _event(
        "stock_adjusted",
        events_pb2.StockAdjusted(
            location_id=location_id,
            sku=sku,
            delta=delta,
            reason=reason,
            adjustment_id=adjustment_id,
        ),
    )


def transfer_shipped(t: Transfer) -> OutgoingEvent:
    return _event("transfer_shipped", events_pb2.TransferShipped(transfer=transfer_pb(t)))


def transfer_received(t: Transfer, booked: Iterable[SkuQty]) -> OutgoingEvent:
    return _event(
        "transfer_received",
        events_pb2.TransferReceived(transfer=transfer_pb(t), lines=_lines(booked)),
    )


def low_stock(level: StockLevel, suggestion: Suggestion | None) -> OutgoingEvent:
    msg = events_pb2.LowStock(level=level_pb(level))
    if suggestion is not None:
        msg.suggestion.CopyFrom(suggestion_pb(suggestion))
    return _event("low_stock", msg)


def low_stock_cleared(level: StockLevel) -> OutgoingEvent:
    return _event("low_stock_cleared", events_pb2.LowStockCleared(level=level_pb(level)))
