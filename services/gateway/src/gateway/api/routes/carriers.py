from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request

from chainkit.errors import Unauthenticated
from chainstore.logistics.v1 import logistics_pb2
from gateway.adapters.mappers import logistics as mapper
from gateway.api.deps import CurrentUser, LogisticsDep, SettingsDep
from gateway.api.problems import documented
from gateway.schemas.common import Id, Page
from gateway.schemas.logistics import CarrierPublic, CarrierPushResult

router = APIRouter(prefix="/v1/carriers", tags=["logistics"], responses=documented(503))

Signature = Annotated[
    str | None,
    Header(
        alias="X-Chainstore-Signature",
        max_length=200,
        description="sha256=<hex HMAC-SHA256 of the raw body>",
    ),
]


async def _read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) as soon as it grows past `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the body exceeds {limit} bytes")
    return bytes(body)


@router.get("", responses=documented(401))
async def list_carriers(_user: CurrentUser, logistics: LogisticsDep) -> Page[CarrierPublic]:
    reply = await logistics.ListCarriers(logistics_pb2.ListCarriersRequest())
    return Page(items=[mapper.carrier_out(c) for c in reply.items])


@router.post(
    "/{code}/events", responses=documented(401, 404, 413, 422), response_model_exclude_none=True
)
async def carrier_push(
    code: Id,
    request: Request,
    logistics: LogisticsDep,
    settings: SettingsDep,
    signature: Signature = None,
) -> CarrierPushResult:
    """A carrier's webhook. No bearer token: logistics verifies the HMAC of the raw body,
    so the body is forwarded byte for byte, never parsed and re-serialised here. A tracking
    aggregator's push (a form `param=...&sign=...`) carries its signature inside the body."""
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if not signature and not form:
        raise Unauthenticated("the X-Chainstore-Signature header is required")
    body = await _read_limited(request, settings.max_webhook_bytes)
    reply = await logistics.IngestCarrierPush(
        logistics_pb2.IngestCarrierPushRequest(carrier=code, body=body, signature=signature or "")
    )
    if form:  # the aggregator's acknowledgement
        return CarrierPushResult(
            accepted=reply.accepted,
            duplicates=reply.duplicates,
            result=True,
            return_code="200",
            message="成功",
        )
    return CarrierPushResult(accepted=reply.accepted, duplicates=reply.duplicates)
