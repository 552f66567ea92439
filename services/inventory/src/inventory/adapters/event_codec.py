"""Domain events as the outbox stores them: inventory.* envelopes whose payloads are the
messages of protos/chainstore/inventory/v1/events.proto."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from google.protobuf.message import Message

from chainkit.events import OutgoingEvent, envelope, subject_for
from chainstore.common.v1.common_pb2 import SkuQty as SkuQtyPb
from chainstore.inventory.v1 import events_pb2, inventory_pb2
from inventory.domain import events as ev
from inventory.domain.allocation import Allocation
from inventory.domain.low_stock import Suggestion
from inventory.domain.model import SkuQty, StockLevel
from inventory.domain.transfer import Transfer, TransferState
from inventory.service_layer.metrics import LOW_STOCK

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


def _stock_received(e: ev.StockReceived) -> OutgoingEvent:
    return _event(
        "stock_received",
        events_pb2.StockReceived(
            location_id=e.location_id, lines=_lines(e.lines), reference=e.reference
        ),
    )


def _stock_reserved(e: ev.StockReserved) -> OutgoingEvent:
    return _event(
        "stock_reserved",
        events_pb2.StockReserved(
            reservation_id=e.reservation_id, allocations=_allocations(e.allocations)
        ),
        e.correlation_id,
    )


def _reservation_committed(e: ev.ReservationCommitted) -> OutgoingEvent:
    return _event(
        "reservation_committed",
        events_pb2.ReservationCommitted(
            reservation_id=e.reservation_id, allocations=_allocations(e.allocations)
        ),
    )


def _reservation_released(e: ev.ReservationReleased) -> OutgoingEvent:
    return _event(
        "reservation_released",
        events_pb2.ReservationReleased(
            reservation_id=e.reservation_id,
            allocations=_allocations(e.allocations),
            reason=e.reason,
            restocked=e.restocked,
        ),
    )


def _stock_sold(e: ev.StockSold) -> OutgoingEvent:
    sale = e.sale
    return _event(
        "stock_sold",
        events_pb2.StockSold(
            sale_id=sale.sale_id, location_id=sale.location_id, lines=_lines(sale.lines)
        ),
    )


def _stock_adjusted(e: ev.StockAdjusted) -> OutgoingEvent:
    return _event(
        "stock_adjusted",
        events_pb2.StockAdjusted(
            location_id=e.location_id,
            sku=e.sku,
            delta=e.delta,
            reason=e.reason,
            adjustment_id=e.adjustment_id,
        ),
    )


def _transfer_shipped(e: ev.TransferShipped) -> OutgoingEvent:
    return _event("transfer_shipped", events_pb2.TransferShipped(transfer=transfer_pb(e.transfer)))


def _transfer_received(e: ev.TransferReceived) -> OutgoingEvent:
    return _event(
        "transfer_received",
        events_pb2.TransferReceived(transfer=transfer_pb(e.transfer), lines=_lines(e.booked)),
    )


def _low_stock(e: ev.LowStock) -> OutgoingEvent:
    msg = events_pb2.LowStock(level=level_pb(e.level))
    if e.suggestion is not None:
        msg.suggestion.CopyFrom(suggestion_pb(e.suggestion))
    return _event("low_stock", msg)


def _low_stock_cleared(e: ev.LowStockCleared) -> OutgoingEvent:
    return _event("low_stock_cleared", events_pb2.LowStockCleared(level=level_pb(e.level)))


_ENCODERS: dict[type[Any], Callable[[Any], OutgoingEvent]] = {
    ev.StockReceived: _stock_received,
    ev.StockReserved: _stock_reserved,
    ev.ReservationCommitted: _reservation_committed,
    ev.ReservationReleased: _reservation_released,
    ev.StockSold: _stock_sold,
    ev.StockAdjusted: _stock_adjusted,
    ev.TransferShipped: _transfer_shipped,
    ev.TransferReceived: _transfer_received,
    ev.LowStock: _low_stock,
    ev.LowStockCleared: _low_stock_cleared,
}


def encode(events: Iterable[ev.Event]) -> list[OutgoingEvent]:
    """Each event's envelope, in order, as the outbox stores it (a fresh event id each)."""
    return [_ENCODERS[type(e)](e) for e in events]


_LOW_STOCK_SUBJECT = subject_for("inventory.low_stock")


def count_low_stock(events: Sequence[OutgoingEvent]) -> None:
    """After a COMMIT: the low-stock alerts it wrote (a Reserve batch's events are mostly
    stock_reserved; comparing subjects is all it costs)."""
    fell = sum(1 for e in events if e.subject == _LOW_STOCK_SUBJECT)
    if fell:
        LOW_STOCK.inc(fell)
