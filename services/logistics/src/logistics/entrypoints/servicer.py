"""gRPC LogisticsService: protobuf -> command -> use case -> protobuf, nothing else."""

from __future__ import annotations

import grpc

from chainstore.logistics.v1 import logistics_pb2 as pb
from chainstore.logistics.v1 import logistics_pb2_grpc as pb_grpc
from logistics.entrypoints import translate
from logistics.service_layer import cancelling, queries, shipping, tracking
from logistics.service_layer.deps import Deps


class LogisticsServicer(pb_grpc.LogisticsServiceServicer):
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def ListCarriers(
        self, request: pb.ListCarriersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCarriersResponse:
        carriers = await shipping.list_carriers(self._deps)
        return pb.ListCarriersResponse(
            items=[translate.carrier_pb(c.carrier, c.push_gap_since) for c in carriers]
        )

    async def CreateShipments(
        self, request: pb.CreateShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateShipmentsResponse:
        command = translate.create_shipments(request)
        shipments = await shipping.create_shipments(self._deps, command)
        return pb.CreateShipmentsResponse(shipments=[translate.shipment_pb(s) for s in shipments])

    async def QuoteShipments(
        self, request: pb.QuoteShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.QuoteShipmentsResponse:
        plans = shipping.quote_shipments(self._deps, translate.quote_shipments(request))
        return pb.QuoteShipmentsResponse(packages=[translate.quote_pb(p) for p in plans])

    async def ListShipments(
        self, request: pb.ListShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShipmentsResponse:
        page = await queries.list_shipments(self._deps, translate.list_shipments(request))
        return translate.shipment_page(page)

    async def GetTracking(
        self, request: pb.GetTrackingRequest, context: grpc.aio.ServicerContext
    ) -> pb.Shipment:
        shipment = await tracking.get_tracking(self._deps, request.waybill_no)
        return translate.shipment_pb(shipment)

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
        command = translate.cancel_shipment(request)
        return translate.shipment_pb(await cancelling.cancel_shipment(self._deps, command))
