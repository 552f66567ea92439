"""Shipments as logistics/v1 messages: one shape for our events' payloads (event_codec)
and the RPC answers (entrypoints.translate)."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from chainstore.logistics.v1 import logistics_pb2 as pb
from logistics.domain.shipment import Shipment
from logistics.domain.tracking import TrackingEvent, TrackingStatus, as_utc

_STATUS_TO_PB: dict[TrackingStatus, pb.TrackingStatus.ValueType] = {
    s: pb.TrackingStatus.Value(f"TRACKING_STATUS_{s.name}") for s in TrackingStatus
}


def timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(as_utc(moment))
    return ts


def status_pb(status: TrackingStatus) -> pb.TrackingStatus.ValueType:
    return _STATUS_TO_PB[status]


def event_pb(event: TrackingEvent) -> pb.TrackingEvent:
    return pb.TrackingEvent(
        at=timestamp(event.at),
        status=status_pb(event.status),
        location=event.location,
        description=event.description,
    )


def shipment_pb(shipment: Shipment) -> pb.Shipment:
    msg = pb.Shipment(
        shipment_id=shipment.shipment_id,
        order_id=shipment.order_id,
        store_id=shipment.store_id,
        location_id=shipment.location_id,
        carrier=shipment.carrier,
        waybill_no=shipment.waybill_no,
        status=status_pb(shipment.status),
        estimated_delivery_at=timestamp(shipment.estimated_delivery_at),
        events=[event_pb(e) for e in shipment.events],
        stalled=shipment.stalled,
        created_at=timestamp(shipment.created_at),
        carrier_reason=shipment.carrier_reason,
        service_level=shipment.service_level,
        price=shipment.price,
        weight_g=shipment.weight_g,
        cancel_reason=shipment.cancel_reason,
        customer_id=shipment.customer_id,
        order_no=shipment.order_no,
    )
    if shipment.last_update_at is not None:
        msg.last_update_at.CopyFrom(timestamp(shipment.last_update_at))
    if shipment.cancelled_at is not None:
        msg.cancelled_at.CopyFrom(timestamp(shipment.cancelled_at))
    if shipment.stalled_at is not None:
        msg.stalled_since.CopyFrom(timestamp(shipment.stalled_at))
    return msg
