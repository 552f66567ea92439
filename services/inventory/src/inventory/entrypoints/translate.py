"""Proto ⇄ domain translation for the gRPC servicer. No rules live here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from chainstore.common.v1.common_pb2 import GeoPoint, Money
from chainstore.common.v1.common_pb2 import SkuQty as SkuQtyPb
from chainstore.inventory.v1 import inventory_pb2 as pb
from inventory.adapters.stock_pb import (
    allocations_pb,
    lines_pb,
)
from inventory.domain.geo import Point
from inventory.domain.ledger import Drift
from inventory.domain.model import Location, LocationKind, MovementRecord, Product, Sale, SkuQty
from inventory.domain.reservation import Reservation, ReservationState
from inventory.service_layer.commands import ReserveCommand

_KIND_TO_PB = {
    LocationKind.WAREHOUSE: pb.LOCATION_KIND_WAREHOUSE,
    LocationKind.STORE: pb.LOCATION_KIND_STORE,
}
_KIND_FROM_PB: dict[int, LocationKind] = {int(v): k for k, v in _KIND_TO_PB.items()}
_STATE_TO_PB = {
    ReservationState.HELD: pb.RESERVATION_STATE_HELD,
    ReservationState.COMMITTED: pb.RESERVATION_STATE_COMMITTED,
    ReservationState.RELEASED: pb.RESERVATION_STATE_RELEASED,
}


_STATE_FROM_PB: dict[int, ReservationState] = {int(v): k for k, v in _STATE_TO_PB.items()}


def reservation_state(value: int) -> ReservationState | None:
    """None for RESERVATION_STATE_UNSPECIFIED (or a value this build does not know)."""
    return _STATE_FROM_PB.get(value)


def location_kind(value: int) -> LocationKind | None:
    return _KIND_FROM_PB.get(value)


def location_to_pb(loc: Location) -> pb.Location:
    msg = pb.Location(
        location_id=loc.location_id,
        name=loc.name,
        kind=_KIND_TO_PB[loc.kind],
        region=loc.region,
        city=loc.city,
        priority=loc.priority,
        share_online=loc.share_online,
        province_code=loc.province_code,
        province=loc.province,
        city_code=loc.city_code,
        district_code=loc.district_code,
        district=loc.district,
    )
    if loc.lat is not None and loc.lon is not None:
        msg.point.CopyFrom(GeoPoint(lat=loc.lat, lon=loc.lon))
    return msg


def product_from_pb(msg: pb.Product, currency: str) -> Product:
    return Product(
        sku=msg.sku,
        name=msg.name,
        category=msg.category,
        price=msg.price.amount,
        weight_g=msg.weight_g,
        currency=currency,
        barcode=msg.barcode.strip(),
        spec=msg.spec.strip(),
    )


def product_to_pb(p: Product) -> pb.Product:
    return pb.Product(
        sku=p.sku,
        name=p.name,
        category=p.category,
        price=Money(amount=p.price, currency=p.currency),
        weight_g=p.weight_g,
        barcode=p.barcode,
        spec=p.spec,
    )


def lines_from_pb(lines: Iterable[SkuQtyPb]) -> list[SkuQty]:
    return [SkuQty(sku=x.sku, qty=x.qty) for x in lines]


def point_from_pb(msg: GeoPoint) -> Point:
    return Point(lat=msg.lat, lon=msg.lon)


def movement_to_pb(record: MovementRecord) -> pb.Movement:
    m = record.movement
    msg = pb.Movement(
        movement_id=record.movement_id,
        sku=m.sku,
        location_id=m.location_id,
        kind=m.kind.value,
        reference=m.reference,
        on_hand_delta=m.on_hand_delta,
        reserved_delta=m.reserved_delta,
        actor=m.actor,
        reason=m.reason,
    )
    msg.created_at.FromDatetime(record.created_at)
    return msg


def drift_to_pb(d: Drift) -> pb.Drift:
    return pb.Drift(
        kind=d.kind,
        sku=d.sku,
        location_id=d.location_id,
        expected=d.expected,
        actual=d.actual,
        detail=d.detail,
    )


def timestamp_to_datetime(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def reservation_to_pb(r: Reservation) -> pb.Reservation:
    msg = pb.Reservation(
        reservation_id=r.reservation_id,
        state=_STATE_TO_PB[r.state],
        allocations=allocations_pb(r.allocations),
    )
    if r.expires_at is not None:
        msg.expires_at.FromDatetime(r.expires_at)
    return msg


def sale_to_pb(sale: Sale) -> pb.Sale:
    return pb.Sale(sale_id=sale.sale_id, location_id=sale.location_id, lines=lines_pb(sale.lines))


def reserve_command(request: pb.ReserveRequest) -> ReserveCommand:
    return ReserveCommand(
        reservation_id=request.reservation_id,
        lines=lines_from_pb(request.lines),
        region=request.region,
        home_location_id=request.home_location_id,
        strategy=request.strategy,
        expires_at=(
            timestamp_to_datetime(request.expires_at) if request.HasField("expires_at") else None
        ),
        destination=point_from_pb(request.destination) if request.HasField("destination") else None,
        correlation_id=request.correlation_id,  # empty: the call's (Reserver fills it in)
    )
