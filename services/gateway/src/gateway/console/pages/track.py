"""/track: the public waybill look-up (no sign-in, no personal data).

The same call and mapper as GET /v1/tracking/{waybill_no}: only what the parcel did, never
the order, store or recipient.
"""

from __future__ import annotations

from typing import Annotated

import grpc
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chainstore.logistics.v1 import logistics_pb2
from gateway.adapters.mappers import logistics as logistics_mapper
from gateway.api.deps import LogisticsDep
from gateway.console.render import render
from gateway.console.session import MaybeUser
from gateway.schemas.logistics import WaybillTracking

router = APIRouter(include_in_schema=False)


@router.get("/track")
async def track(
    request: Request,
    user: MaybeUser,
    logistics: LogisticsDep,
    waybill: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    waybill = waybill.strip()
    parcel: WaybillTracking | None = None
    carriers: dict[str, str] = {}
    if waybill:
        try:
            parcel = logistics_mapper.waybill_out(
                await logistics.GetTracking(logistics_pb2.GetTrackingRequest(waybill_no=waybill))
            )
        except grpc.aio.AioRpcError as e:
            if e.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise
        else:
            carriers = {
                c.code: c.name
                for c in (await logistics.ListCarriers(logistics_pb2.ListCarriersRequest())).items
            }
    return render(
        request,
        "track/track.html",
        user=user,
        waybill=waybill,
        parcel=parcel,
        carriers=carriers,
    )
