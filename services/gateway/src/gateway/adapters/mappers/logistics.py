"""Carriers, shipments and tracking timelines."""

from __future__ import annotations

from chainstore.logistics.v1 import logistics_pb2
from gateway.adapters.mappers.common import lookup, time_of
from gateway.schemas.logistics import (
    CarrierPublic,
    OrderShipmentTracking,
    ShipmentPublic,
    TrackingEventPublic,
    TrackingStatus,
    UpdateMode,
    WaybillTracking,
    WeightBandPublic,
)

UPDATE_MODES: dict[logistics_pb2.UpdateMode.ValueType, UpdateMode] = {
    logistics_pb2.UPDATE_MODE_PUSH: "push",
    logistics_pb2.UPDATE_MODE_POLL: "poll",
}
TRACKING_STATUSES: dict[logistics_pb2.TrackingStatus.ValueType, TrackingStatus] = {
    logistics_pb2.TRACKING_STATUS_UNSPECIFIED: "unknown",
    logistics_pb2.TRACKING_STATUS_INFO_RECEIVED: "info_received",
    logistics_pb2.TRACKING_STATUS_PICKED_UP: "picked_up",
    logistics_pb2.TRACKING_STATUS_IN_TRANSIT: "in_transit",
    logistics_pb2.TRACKING_STATUS_ARRIVED_AT_HUB: "arrived_at_hub",
    logistics_pb2.TRACKING_STATUS_OUT_FOR_DELIVERY: "out_for_delivery",
    logistics_pb2.TRACKING_STATUS_DELIVERED: "delivered",
    logistics_pb2.TRACKING_STATUS_FAILED_ATTEMPT: "failed_attempt",
    logistics_pb2.TRACKING_STATUS_EXCEPTION: "exception",
    logistics_pb2.TRACKING_STATUS_RETURNED_TO_SENDER: "returned_to_sender",
}


def carrier_out(carrier: logistics_pb2.Carrier) -> CarrierPublic:
    return CarrierPublic(
        code=carrier.code,
        name=carrier.name,
        regions=list(carrier.regions),
        max_weight_g=carrier.max_weight_g,
        update_mode=lookup(UPDATE_MODES, carrier.update_mode, "carrier update mode"),
        weight_bands=[
            WeightBandPublic(up_to_g=b.up_to_g, price=b.price) for b in carrier.weight_bands
        ],
        days_same_region=carrier.days_same_region,
        days_other_region=carrier.days_other_region,
        service_levels=list(carrier.service_levels),
        excluded_provinces=list(carrier.excluded_provinces),
    )


def _status(value: logistics_pb2.TrackingStatus.ValueType) -> TrackingStatus:
    return lookup(TRACKING_STATUSES, value, "tracking status")


def _events(shipment: logistics_pb2.Shipment) -> list[TrackingEventPublic]:
    return [
        TrackingEventPublic(
            at=time_of(event, "at"),
            status=_status(event.status),
            location=event.location,
            description=event.description,
        )
        for event in shipment.events
    ]


def waybill_out(shipment: logistics_pb2.Shipment) -> WaybillTracking:
    """Only what the parcel did: never the order, store or recipient."""
    return WaybillTracking(
        carrier=shipment.carrier,
        waybill_no=shipment.waybill_no,
        status=_status(shipment.status),
        estimated_delivery_at=time_of(shipment, "estimated_delivery_at"),
        last_update_at=time_of(shipment, "last_update_at"),
        stalled=shipment.stalled,
        events=_events(shipment),
    )


def order_shipment_out(shipment: logistics_pb2.Shipment) -> OrderShipmentTracking:
    return OrderShipmentTracking(
        shipment_id=shipment.shipment_id,
        location_id=shipment.location_id,
        cancelled_at=time_of(shipment, "cancelled_at"),
        **waybill_out(shipment).model_dump(),
    )


def shipment_out(shipment: logistics_pb2.Shipment) -> ShipmentPublic:
    return ShipmentPublic(
        order_id=shipment.order_id,
        store_id=shipment.store_id,
        created_at=time_of(shipment, "created_at"),
        carrier_reason=shipment.carrier_reason,
        service_level=shipment.service_level,
        price=shipment.price,
        weight_g=shipment.weight_g,
        cancel_reason=shipment.cancel_reason,
        stalled_since=time_of(shipment, "stalled_since"),
        **order_shipment_out(shipment).model_dump(),
    )
