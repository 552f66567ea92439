"""Event payloads (protos/chainstore/inventory/v1/events.proto) built from domain facts."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import Message

from chainkit.events import OutgoingEvent, envelope
from chainstore.common.v1.common_pb2 import SkuQty as SkuQtyPb
from chainstore.inventory.v1 import events_pb2, inventory_pb2
from inventory.domain.allocation import Allocation
from inventory.domain.model import Sale, SkuQty
from inventory.domain.reservation import Reservation

SOURCE = "inventory"


def _event(name: str, payload: Message) -> OutgoingEvent:
    return envelope(f"inventory.{name}", payload, source=SOURCE)


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


def stock_reserved(r: Reservation) -> OutgoingEvent:
    return _event(
        "stock_reserved",
        events_pb2.StockReserved(
            reservation_id=r.reservation_id, allocations=_allocations(r.allocations)
        ),
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
