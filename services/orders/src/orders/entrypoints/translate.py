"""orders/v1 requests → commands. Translation only: rules live in domain/service_layer."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from chainkit import cursors
from chainstore.common.v1 import common_pb2
from chainstore.orders.v1 import orders_pb2 as pb
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.domain.store import StoreSettings
from orders.service_layer import commands as c
from orders.service_layer.shipping_quote import ShippingQuote

CHANNELS = {pb.CHANNEL_ONLINE: "online", pb.CHANNEL_POS: "pos"}
KINDS = {pb.STORE_KIND_DIRECT: "direct", pb.STORE_KIND_FRANCHISE: "franchise"}


def scope(msg: pb.Scope) -> c.Scope:
    return c.Scope(customer_id=msg.customer_id, store_id=msg.store_id, actor=msg.actor)


def address(msg: common_pb2.Address) -> Address:
    point = msg.point if msg.HasField("point") else None
    return Address(
        name=msg.name,
        phone=msg.phone,
        region=msg.region,
        city=msg.city,
        line1=msg.line1,
        lat=point.lat if point else None,
        lon=point.lon if point else None,
        province_code=msg.province_code,
        province=msg.province,
        city_code=msg.city_code,
        district_code=msg.district_code,
        district=msg.district,
        postcode=msg.postcode,
    )


def payment(msg: pb.Payment) -> Payment:
    return Payment(method=msg.method, amount=msg.amount, reference=msg.reference.strip())


def when(ts: Timestamp, present: bool) -> datetime | None:
    return ts.ToDatetime(tzinfo=UTC) if present else None


def create_order(req: pb.CreateOrderRequest) -> c.CreateOrder:
    return c.CreateOrder(
        store_id=req.store_id,
        customer_id=req.customer_id,
        channel=CHANNELS.get(req.channel, ""),
        lines=tuple(LineRequest(line.sku, line.qty) for line in req.lines),
        shipping_address=address(req.shipping_address)
        if req.HasField("shipping_address")
        else None,
        payment=payment(req.payment) if req.HasField("payment") else None,
        scope=scope(req.scope),
        idempotency_key=req.idempotency.key,
    )


_STORE_TAG = "stores"


def encode_store_cursor(store_id: str) -> str:
    return cursors.encode(_STORE_TAG, [store_id]) if store_id else ""


def store_cursor(cursor: str) -> str:
    """The store id a cursor continues after; InvalidArgument for one we did not issue."""
    key = cursors.decode(cursor, _STORE_TAG, legacy="store:")  # or base64("store:<id>") from before
    return key[0] if key else ""


def list_orders(req: pb.ListOrdersRequest) -> c.ListOrders:
    return c.ListOrders(
        scope=scope(req.scope),
        status=req.status,
        store_id=req.store_id,
        customer_id=req.customer_id,
        q=req.q,
        created_from=when(req.created_from, req.HasField("created_from")),
        created_to=when(req.created_to, req.HasField("created_to")),
        limit=req.page.limit,
        cursor=req.page.cursor,
    )


def create_store_settings(req: pb.CreateStoreRequest) -> StoreSettings:
    has = req.HasField
    return StoreSettings(
        payment_timeout_s=req.payment_timeout_s if has("payment_timeout_s") else None,
        auto_confirm=req.auto_confirm if has("auto_confirm") else None,
        share_stock_online=req.share_stock_online if has("share_stock_online") else None,
        allocation_strategy=req.allocation_strategy if has("allocation_strategy") else None,
        preferred_carrier=req.preferred_carrier if has("preferred_carrier") else None,
        service_level=req.service_level if has("service_level") else None,
        time_zone=req.time_zone if has("time_zone") else None,
        province_code=req.store.province_code,
        city_code=req.store.city_code,
        district_code=req.store.district_code,
    )


def update_store_settings(req: pb.UpdateStoreRequest) -> StoreSettings:
    has = req.HasField
    return StoreSettings(
        name=req.name if has("name") else None,
        region=req.region if has("region") else None,
        city=req.city if has("city") else None,
        payment_timeout_s=req.payment_timeout_s if has("payment_timeout_s") else None,
        auto_confirm=req.auto_confirm if has("auto_confirm") else None,
        share_stock_online=req.share_stock_online if has("share_stock_online") else None,
        allocation_strategy=req.allocation_strategy if has("allocation_strategy") else None,
        preferred_carrier=req.preferred_carrier if has("preferred_carrier") else None,
        service_level=req.service_level if has("service_level") else None,
        time_zone=req.time_zone if has("time_zone") else None,
        province_code=req.province_code if has("province_code") else None,
        city_code=req.city_code if has("city_code") else None,
        district_code=req.district_code if has("district_code") else None,
    )


def shipping_quote(quote: ShippingQuote) -> pb.QuoteShippingResponse:
    return pb.QuoteShippingResponse(
        order_id=quote.order_id,
        order_no=quote.order_no,
        packages=[
            pb.ShippingQuote(
                location_id=q.location_id,
                carrier=q.carrier,
                service_level=q.service_level,
                rule=q.rule,
                carrier_reason=q.reason,
                price=q.price,
                days=q.days,
                weight_g=q.weight_g,
                eligible_carriers=q.eligible,
            )
            for q in quote.packages
        ],
    )
