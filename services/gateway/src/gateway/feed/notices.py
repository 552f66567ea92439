"""Which feed events a customer is told about, kept in their inbox while they are away:
the updates that matter to them, not every internal scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.feed.model import FeedEvent

# Service subjects whose events can become notices (the inbox consumer's filter).
NOTICE_SOURCES = (
    "chainstore.orders.paid",
    "chainstore.orders.shipped",
    "chainstore.orders.cancelled",
    "chainstore.logistics.shipment_updated",
    "chainstore.logistics.shipment_stalled",
)
SCAN_NOTICES = {"out_for_delivery", "delivered"}


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str  # the event's id: a redelivered event cannot add a second notice
    customer_id: str
    at: datetime
    kind: str  # a key of feed.texts.NOTICES
    type: str  # the feed event type
    order_id: str
    order_no: str
    params: dict[str, Any]


def _kind(event: FeedEvent) -> str | None:
    f = event.fields
    match event.type:
        case "order.paid" | "order.shipped" | "order.cancelled" if f.get("channel") != "pos":
            return event.type.removeprefix("order.")
        case "shipment.scan" if f.get("status") in SCAN_NOTICES:
            return str(f["status"])
        case "shipment.stalled":
            return "stalled"
    return None


def notice_for(event_id: str, event: FeedEvent) -> Notice | None:
    kind = _kind(event)
    if kind is None or not event.customer_id or not event.fields.get("order_id"):
        return None
    params = {
        k: v
        for k, v in event.fields.items()
        if k in ("total", "currency", "reason", "waybill_no", "carrier", "status", "place")
    }
    shipments = event.fields.get("shipments") or []
    if shipments:  # order.shipped: one parcel per source location
        params["waybill_no"] = "、".join(s["waybill_no"] for s in shipments if s["waybill_no"])
        params["carrier"] = "、".join(sorted({s["carrier"] for s in shipments if s["carrier"]}))
    return Notice(
        notice_id=event_id,
        customer_id=event.customer_id,
        at=event.at,
        kind=kind,
        type=event.type,
        order_id=str(event.fields["order_id"]),
        order_no=str(event.fields.get("order_no") or ""),
        params=params,
    )
