"""gRPC LogisticsService: translate protobuf to use-case calls and back, nothing else."""

from __future__ import annotations

from typing import Any

import grpc

from chainstore.logistics.v1 import logistics_pb2 as pb
from chainstore.logistics.v1 import logistics_pb2_grpc as pb_grpc
from logistics.domain.shipment import Shipment
from logistics.service_layer import cancelling, queries, shipping, tracking
from logistics.service_layer.deps import Deps
from logistics.service_layer.messages import carrier_pb, shipment_pb


class LogisticsServicer(pb_grpc.LogisticsServiceServicer):
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def ListCarriers(
        self, request: pb.ListCarriersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCarriersResponse:
        carriers = await shipping.list_carriers(self._deps)
        return pb.ListCarriersResponse(
            items=[carrier_pb(c.carrier, c.push_gap_since) for c in carriers]
        )

    async def CreateShipments(
        self, request: pb.CreateShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateShipmentsResponse:
        command = shipping.CreateShipments(
            **_choice(request),
            order_id=request.order_id,
            customer_id=request.customer_id,
            order_no=request.order_no,
        )
        shipments = await shipping.create_shipments(self._deps, command)
        return pb.CreateShipmentsResponse(shipments=[self._shipment(s) for s in shipments])

    async def QuoteShipments(
        self, request: pb.QuoteShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.QuoteShipmentsResponse:
        query = shipping.QuoteShipments(**_choice(request))
        plans = shipping.quote_shipments(self._deps, query)
        return pb.QuoteShipmentsResponse(packages=[_quote(p) for p in plans])

    async def ListShipments(
        self, request: pb.ListShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShipmentsResponse:
        page = await queries.list_shipments(
            self._deps,
            queries.ListShipments(
                order_id=request.order_id,
                store_id=request.store_id,
                status=request.status,
                stalled_only=request.stalled_only,
                limit=request.page.limit,
                cursor=request.page.cursor,
            ),
        )
        response = pb.ListShipmentsResponse(items=[shipment_pb(s) for s in page.items])
        response.page.next_cursor = page.next_cursor
        return response

    async def GetTracking(
        self, request: pb.GetTrackingRequest, context: grpc.aio.ServicerContext
    ) -> pb.Shipment:
        return self._shipment(await tracking.get_tracking(self._deps, request.waybill_no))

    async def IngestCarrierPush(
        self, request: pb.IngestCarrierPushRequest, context: grpc.aio.ServicerContext
    ) -> pb.IngestCarrierPushResponse:
        result = await tracking.ingest_push(
            self._deps, request.carrier, request.body, request.signature
        )
        return pb.IngestCarrierPushResponse(accepted=result.accepted, duplicates=result.duplicates)

    async def CancelShipment(
        self, request: pb.CancelShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.Shipment:
        command = cancelling.CancelShipment(
            shipment_id=request.shipment_id, reason=request.reason, store_id=request.store_id
        )
        return shipment_pb(await cancelling.cancel_shipment(self._deps, command))

    def _shipment(self, shipment: Shipment) -> pb.Shipment:
        return shipment_pb(shipment)


def _package(package: pb.Package) -> shipping.PackageSpec:
    return shipping.PackageSpec(
        location_id=package.location_id,
        weight_g=package.weight_g,
        origin_region=package.origin_region,
    )


def _quote(plan: shipping.PackagePlan) -> pb.PackageQuote:
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


def _choice(request: pb.CreateShipmentsRequest | pb.QuoteShipmentsRequest) -> dict[str, Any]:
    """What chooses the carriers, as both requests carry it (shipping.QuoteShipments)."""
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
