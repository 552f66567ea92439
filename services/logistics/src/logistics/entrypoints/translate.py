"""logistics/v1 messages <-> commands, domain objects and views. Translation only: the rules
live in domain/ and service_layer/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chainstore.logistics.v1 import logistics_pb2 as pb
from logistics.adapters.shipment_pb import shipment_pb as shipment_pb
from logistics.adapters.shipment_pb import timestamp
from logistics.domain.carriers import Carrier, UpdateMode
from logistics.service_layer import commands, queries, shipping

_MODE_TO_PB: dict[UpdateMode, pb.UpdateMode.ValueType] = {
    UpdateMode.PUSH: pb.UPDATE_MODE_PUSH,
    UpdateMode.POLL: pb.UPDATE_MODE_POLL,
}


def create_shipments(request: pb.CreateShipmentsRequest) -> commands.CreateShipments:
    return commands.CreateShipments(
        **_choice(request),
        order_id=request.order_id,
        customer_id=request.customer_id,
        order_no=request.order_no,
    )


def quote_shipments(request: pb.QuoteShipmentsRequest) -> commands.QuoteShipments:
    return commands.QuoteShipments(**_choice(request))


def list_shipments(request: pb.ListShipmentsRequest) -> commands.ListShipments:
    return commands.ListShipments(
        order_id=request.order_id,
        store_id=request.store_id,
        status=request.status,
        stalled_only=request.stalled_only,
        limit=request.page.limit,
        cursor=request.page.cursor,
    )


def cancel_shipment(request: pb.CancelShipmentRequest) -> commands.CancelShipment:
    return commands.CancelShipment(
        shipment_id=request.shipment_id, reason=request.reason, store_id=request.store_id
    )


def shipment_page(page: queries.ShipmentPage) -> pb.ListShipmentsResponse:
    response = pb.ListShipmentsResponse(items=[shipment_pb(s) for s in page.items])
    response.page.next_cursor = page.next_cursor
    return response


def carrier_pb(carrier: Carrier, push_gap_since: datetime | None = None) -> pb.Carrier:
    msg = pb.Carrier(
        code=carrier.code,
        name=carrier.name,
        regions=sorted(carrier.regions),
        max_weight_g=carrier.max_weight_g,
        update_mode=_MODE_TO_PB[carrier.update_mode],
        weight_bands=[pb.WeightBand(up_to_g=b.up_to_g, price=b.price) for b in carrier.bands],
        days_same_region=carrier.days_same_region,
        days_other_region=carrier.days_other_region,
        service_levels=[level.value for level in carrier.service_levels()],
        excluded_provinces=sorted(carrier.excluded_provinces),
    )
    if push_gap_since is not None:
        msg.push_gap_since.CopyFrom(timestamp(push_gap_since))
    return msg


def quote_pb(plan: shipping.PackagePlan) -> pb.PackageQuote:
    return pb.PackageQuote(
        location_id=plan.package.location_id,
        carrier=plan.choice.carrier.code,
        service_level=plan.parcel.level.value,
        rule=plan.choice.rule,
        carrier_reason=plan.choice.reason,
        price=plan.choice.price,
        days=plan.choice.days,
        weight_g=plan.package.weight_g,
        eligible_carriers=plan.eligible,
    )


def _package(package: pb.Package) -> commands.PackageSpec:
    return commands.PackageSpec(
        location_id=package.location_id,
        weight_g=package.weight_g,
        origin_region=package.origin_region,
    )


def _choice(request: pb.CreateShipmentsRequest | pb.QuoteShipmentsRequest) -> dict[str, Any]:
    """What chooses the carriers, as both requests carry it (commands.QuoteShipments)."""
    return {
        "store_id": request.store_id,
        "region": request.destination.region,
        "city": request.destination.city,
        "packages": [_package(p) for p in request.packages],
        "carrier": request.carrier,
        "service_level": request.service_level,
        "preferred_carrier": request.preferred_carrier,
        "province_code": request.destination.province_code,
    }
