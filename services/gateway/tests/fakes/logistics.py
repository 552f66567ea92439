"""A fake logistics service: one carrier, one shipment, carrier pushes checked against
their HMAC signature like the real service."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from chainkit.errors import Conflict, NotFound, Unauthenticated
from chainstore.common.v1 import common_pb2
from chainstore.logistics.v1 import logistics_pb2, logistics_pb2_grpc

from .common import NOW, Context, Recorder, ts

CARRIER_SECRET = b"carrier-secret"


def make_shipment(order_id: str = "o-1", store_id: str = "S1") -> logistics_pb2.Shipment:
    return logistics_pb2.Shipment(
        shipment_id="sh-1",
        order_id=order_id,
        store_id=store_id,
        location_id="WH-1",
        carrier="swift",
        waybill_no="SW123",
        status=logistics_pb2.TRACKING_STATUS_IN_TRANSIT,
        events=[
            logistics_pb2.TrackingEvent(
                at=ts(NOW),
                status=logistics_pb2.TRACKING_STATUS_PICKED_UP,
                location="Shanghai",
                description="picked up",
            )
        ],
        last_update_at=ts(NOW),
        created_at=ts(NOW),
        carrier_reason="cheapest meeting standard for east at 800 g (swift 800)",
        service_level="standard",
        price=800,
        weight_g=800,
    )


class FakeLogistics(logistics_pb2_grpc.LogisticsServiceServicer, Recorder):
    # Set by a test: swift's push-gap alert is open since then (ListCarriers reports it).
    push_gap_since: datetime | None = None

    @staticmethod
    def sign(body: bytes) -> str:
        return "sha256=" + hmac.new(CARRIER_SECRET, body, hashlib.sha256).hexdigest()

    async def ListCarriers(
        self, request: logistics_pb2.ListCarriersRequest, context: Context
    ) -> logistics_pb2.ListCarriersResponse:
        await self.record("ListCarriers", request)
        carrier = logistics_pb2.Carrier(
            code="swift",
            name="Swift Express",
            regions=["east"],
            max_weight_g=30000,
            update_mode=logistics_pb2.UPDATE_MODE_PUSH,
            weight_bands=[logistics_pb2.WeightBand(up_to_g=30000, price=1200)],
            days_same_region=1,
            days_other_region=2,
            service_levels=["express", "standard", "economy"],
        )
        if self.push_gap_since is not None:
            carrier.push_gap_since.CopyFrom(ts(self.push_gap_since))
        return logistics_pb2.ListCarriersResponse(items=[carrier])

    async def ListShipments(
        self, request: logistics_pb2.ListShipmentsRequest, context: Context
    ) -> logistics_pb2.ListShipmentsResponse:
        await self.record("ListShipments", request)
        shipment = make_shipment(request.order_id or "o-1", request.store_id or "S1")
        return logistics_pb2.ListShipmentsResponse(items=[shipment], page=common_pb2.PageInfo())

    async def GetTracking(
        self, request: logistics_pb2.GetTrackingRequest, context: Context
    ) -> logistics_pb2.Shipment:
        await self.record("GetTracking", request)
        if request.waybill_no != "SW123":
            raise NotFound(f"no waybill {request.waybill_no!r}")
        return make_shipment()

    async def IngestCarrierPush(
        self, request: logistics_pb2.IngestCarrierPushRequest, context: Context
    ) -> logistics_pb2.IngestCarrierPushResponse:
        await self.record("IngestCarrierPush", request)
        if not hmac.compare_digest(self.sign(request.body), request.signature):
            raise Unauthenticated("bad signature")
        return logistics_pb2.IngestCarrierPushResponse(accepted=1, duplicates=0)

    async def CancelShipment(
        self, request: logistics_pb2.CancelShipmentRequest, context: Context
    ) -> logistics_pb2.Shipment:
        await self.record("CancelShipment", request)
        if request.shipment_id != "sh-1" or request.store_id not in ("", "S1"):
            raise NotFound(f"no shipment {request.shipment_id!r}")
        if request.reason == "too late":
            raise Conflict("shipment is picked_up: it can only be cancelled before pickup")
        shipment = make_shipment()
        shipment.status = logistics_pb2.TRACKING_STATUS_INFO_RECEIVED
        shipment.cancelled_at.CopyFrom(ts(NOW))
        shipment.cancel_reason = request.reason
        return shipment
