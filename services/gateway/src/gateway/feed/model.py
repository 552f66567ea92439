"""A service event (protobuf envelope) as a feed event: a type a client knows and the
identifiers it needs to link to the thing. Events no screen needs translate to None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chainkit import events
from chainstore.common.v1.common_pb2 import EventEnvelope
from chainstore.inventory.v1 import events_pb2 as inv_events
from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import events_pb2 as log_events
from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import events_pb2 as ord_events
from chainstore.orders.v1 import orders_pb2

# Who an event concerns, beyond the store on its envelope (see feed.scope).
KIND_ORDER = "order"  # an order or its parcel: its store and its customer
KIND_STOCK = "stock"  # a stock location: the store that owns it
KIND_CHAIN = "chain"  # the chain as a whole: head office only


@dataclass(slots=True)
class FeedEvent:
    seq: int
    type: str
    at: datetime
    kind: str
    store_id: str = ""
    customer_id: str = ""
    location_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    # Encoded SSE frames by language: built once, written to every client that shows it.
    frames: dict[str, bytes] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The JSON object a client receives, without the caller's `summary`."""
        return {
            "type": self.type,
            "at": self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "store_id": self.store_id or None,
            **self.fields,
        }


def _status(enum_name: str, prefix: str) -> str:
    return enum_name.removeprefix(prefix).lower()


def order_status(value: int) -> str:
    return _status(orders_pb2.OrderStatus.Name(value), "ORDER_STATUS_")  # type: ignore[arg-type]


def tracking_status(value: int) -> str:
    return _status(logistics_pb2.TrackingStatus.Name(value), "TRACKING_STATUS_")  # type: ignore[arg-type]


def _iso(ts: Any) -> str | None:
    if not ts.seconds and not ts.nanos:
        return None
    at: datetime = ts.ToDatetime(tzinfo=UTC)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _order(o: orders_pb2.Order) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "order_no": o.order_no,
        "customer_id": o.customer_id,
        "channel": orders_pb2.Channel.Name(o.channel).removeprefix("CHANNEL_").lower(),
        "status": order_status(o.status),
        "total": o.total,
        "currency": o.currency or "CNY",
    }


def _shipment(s: logistics_pb2.Shipment) -> dict[str, Any]:
    return {
        "shipment_id": s.shipment_id,
        "order_id": s.order_id,
        "order_no": s.order_no or None,
        "waybill_no": s.waybill_no,
        "carrier": s.carrier,
        "status": tracking_status(s.status),
        "estimated_delivery_at": _iso(s.estimated_delivery_at),
    }


def _level(level: inventory_pb2.StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "location_id": level.location_id,
        "available": level.available,
        "threshold": level.low_stock_threshold,
    }


Built = tuple[str, str, dict[str, Any], str, str]  # kind, customer, fields, location, store


def _order_event(cls: type[Any]) -> Callable[[EventEnvelope], Built]:
    def build(env: EventEnvelope) -> Built:
        msg = events.unpack(env, cls)
        o: orders_pb2.Order = msg.order
        fields = _order(o)
        if isinstance(msg, ord_events.OrderShipped):
            fields["shipments"] = [
                {"shipment_id": p.shipment_id, "carrier": p.carrier, "waybill_no": p.waybill_no}
                for p in o.shipments
            ]
        if isinstance(msg, ord_events.OrderCancelled):
            fields["reason"] = o.cancel_reason
            fields["refunded"] = msg.refunded
        return KIND_ORDER, o.customer_id, fields, "", o.store_id

    return build


def _shipment_event(cls: type[Any]) -> Callable[[EventEnvelope], Built]:
    def build(env: EventEnvelope) -> Built:
        msg = events.unpack(env, cls)
        s: logistics_pb2.Shipment = msg.shipment
        fields = _shipment(s)
        if isinstance(msg, log_events.ShipmentUpdated | log_events.ShipmentException):
            scan: logistics_pb2.TrackingEvent = msg.event
            fields["status"] = tracking_status(scan.status)
            fields["place"] = scan.location
            fields["description"] = scan.description
            fields["scanned_at"] = _iso(scan.at)
        if isinstance(msg, log_events.ShipmentStalled):
            fields["silent_since"] = _iso(msg.silent_since)
        return KIND_ORDER, s.customer_id, fields, s.location_id, s.store_id

    return build


def _carrier_event(cls: type[Any]) -> Callable[[EventEnvelope], Built]:
    def build(env: EventEnvelope) -> Built:
        msg = events.unpack(env, cls)
        fields: dict[str, Any] = {"carrier": msg.carrier}
        if isinstance(msg, log_events.CarrierPushGap):
            fields["silent_since"] = _iso(msg.silent_since)
            fields["parcels_under_way"] = msg.parcels_under_way
        return KIND_CHAIN, "", fields, "", ""

    return build


def _stock_event(cls: type[Any]) -> Callable[[EventEnvelope], Built]:
    def build(env: EventEnvelope) -> Built:
        msg = events.unpack(env, cls)
        fields = _level(msg.level)
        suggestion = None
        if isinstance(msg, inv_events.LowStock) and msg.HasField("suggestion"):
            s = msg.suggestion
            suggestion = {"from_location_id": s.from_location_id, "qty": s.qty, "reason": s.reason}
        fields["suggestion"] = suggestion
        return KIND_STOCK, "", fields, msg.level.location_id, env.store_id

    return build


# Service event type → (feed type, builder).
TRANSLATIONS: dict[str, tuple[str, Callable[[EventEnvelope], Built]]] = {
    "orders.created": ("order.created", _order_event(ord_events.OrderCreated)),
    "orders.paid": ("order.paid", _order_event(ord_events.OrderPaid)),
    "orders.confirmed": ("order.confirmed", _order_event(ord_events.OrderConfirmed)),
    "orders.address_changed": (
        "order.address_changed",
        _order_event(ord_events.OrderAddressChanged),
    ),
    "orders.shipped": ("order.shipped", _order_event(ord_events.OrderShipped)),
    "orders.completed": ("order.completed", _order_event(ord_events.OrderCompleted)),
    "orders.cancelled": ("order.cancelled", _order_event(ord_events.OrderCancelled)),
    "logistics.shipment_updated": ("shipment.scan", _shipment_event(log_events.ShipmentUpdated)),
    "logistics.shipment_exception": (
        "shipment.exception",
        _shipment_event(log_events.ShipmentException),
    ),
    "logistics.shipment_stalled": (
        "shipment.stalled",
        _shipment_event(log_events.ShipmentStalled),
    ),
    "logistics.shipment_unstalled": (
        "shipment.unstalled",
        _shipment_event(log_events.ShipmentUnstalled),
    ),
    "logistics.shipment_cancelled": (
        "shipment.cancelled",
        _shipment_event(log_events.ShipmentCancelled),
    ),
    "logistics.carrier_push_gap": ("carrier.push_gap", _carrier_event(log_events.CarrierPushGap)),
    "logistics.carrier_push_resumed": (
        "carrier.push_resumed",
        _carrier_event(log_events.CarrierPushResumed),
    ),
    "inventory.low_stock": ("stock.low", _stock_event(inv_events.LowStock)),
    "inventory.low_stock_cleared": ("stock.low_cleared", _stock_event(inv_events.LowStockCleared)),
}

FEED_TYPES: tuple[str, ...] = tuple(t for t, _ in TRANSLATIONS.values())


def translate(seq: int, env: EventEnvelope) -> FeedEvent | None:
    """The feed event for `env`, or None for events no screen shows (reservations, …)."""
    entry = TRANSLATIONS.get(env.type)
    if entry is None:
        return None
    feed_type, build = entry
    kind, customer, fields, location, store = build(env)
    return FeedEvent(
        seq=seq,
        type=feed_type,
        at=env.occurred_at.ToDatetime(tzinfo=UTC),
        kind=kind,
        store_id=store or env.store_id,
        customer_id=customer,
        location_id=location,
        fields=fields,
    )


# What the feed stream takes from each owning stream: all of orders and logistics (nearly
# every event of theirs is shown), only the alerts of inventory (not one per reservation).
SOURCES: dict[str, list[str]] = {
    "ORDERS": [],
    "LOGISTICS": [],
    "INVENTORY": [
        events.subject_for("inventory.low_stock"),
        events.subject_for("inventory.low_stock_cleared"),
    ],
}
