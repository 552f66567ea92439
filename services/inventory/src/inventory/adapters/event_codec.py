"""Domain events as the outbox stores them: inventory.* envelopes whose payloads are the
messages of protos/chainstore/inventory/v1/events.proto."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from google.protobuf.message import Message

from chainkit.events import envelope
from chainkit.outgoing import OutgoingEvent, subject_for
from chainstore.inventory.v1 import events_pb2
from inventory.adapters.stock_pb import (
    allocations_pb,
    level_pb,
    lines_pb,
    suggestion_pb,
    transfer_pb,
)
from inventory.domain import events as ev
from inventory.service_layer.metrics import LOW_STOCK

SOURCE = "inventory"


def _event(name: str, payload: Message, correlation_id: str = "") -> OutgoingEvent:
    return envelope(f"inventory.{name}", payload, source=SOURCE, correlation_id=correlation_id)


def _stock_received(e: ev.StockReceived) -> OutgoingEvent:
    return _event(
        "stock_received",
        events_pb2.StockReceived(
            location_id=e.location_id, lines=lines_pb(e.lines), reference=e.reference
        ),
    )


def _stock_reserved(e: ev.StockReserved) -> OutgoingEvent:
    return _event(
        "stock_reserved",
        events_pb2.StockReserved(
            reservation_id=e.reservation_id, allocations=allocations_pb(e.allocations)
        ),
        e.correlation_id,
    )


def _reservation_committed(e: ev.ReservationCommitted) -> OutgoingEvent:
    return _event(
        "reservation_committed",
        events_pb2.ReservationCommitted(
            reservation_id=e.reservation_id, allocations=allocations_pb(e.allocations)
        ),
    )


def _reservation_released(e: ev.ReservationReleased) -> OutgoingEvent:
    return _event(
        "reservation_released",
        events_pb2.ReservationReleased(
            reservation_id=e.reservation_id,
            allocations=allocations_pb(e.allocations),
            reason=e.reason,
            restocked=e.restocked,
        ),
    )


def _stock_sold(e: ev.StockSold) -> OutgoingEvent:
    sale = e.sale
    return _event(
        "stock_sold",
        events_pb2.StockSold(
            sale_id=sale.sale_id, location_id=sale.location_id, lines=lines_pb(sale.lines)
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
        events_pb2.TransferReceived(transfer=transfer_pb(e.transfer), lines=lines_pb(e.booked)),
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
