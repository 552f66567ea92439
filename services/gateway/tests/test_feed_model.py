"""The feed's pure parts: translation, scoping, texts, cursors and notices."""

# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chainkit import events
from chainstore.inventory.v1 import events_pb2 as inv_events
from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import events_pb2 as log_events
from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import events_pb2 as ord_events
from chainstore.orders.v1 import orders_pb2
from gateway.feed.cursor import Cursor
from gateway.feed.model import FeedEvent, translate
from gateway.feed.notices import notice_for
from gateway.feed.scope import FeedScope, parse_types
from gateway.feed.texts import EN, ZH, language, notice, summary


def order(**kw: object) -> orders_pb2.Order:
    base: dict[str, object] = {
        "order_id": "o-1",
        "order_no": "20261204-S001-000042",
        "store_id": "S001",
        "customer_id": "C-ALICE",
        "status": orders_pb2.ORDER_STATUS_PAID,
        "total": 25600,
        "currency": "CNY",
        "channel": orders_pb2.CHANNEL_ONLINE,
    }
    return orders_pb2.Order(**{**base, **kw})  # type: ignore[arg-type]


def env_of(event_type: str, payload: object, store_id: str = "") -> object:
    out = events.envelope(event_type, payload, source="test", store_id=store_id)  # type: ignore[arg-type]
    return events.parse(out.data)


def feed(event_type: str, payload: object, seq: int = 7, store_id: str = "") -> FeedEvent:
    got = translate(seq, env_of(event_type, payload, store_id))  # type: ignore[arg-type]
    assert got is not None
    return got


def test_an_order_event_carries_what_a_client_links_to() -> None:
    e = feed("orders.paid", ord_events.OrderPaid(order=order()), store_id="S001")
    data = e.data()
    assert data["type"] == "order.paid" and data["status"] == "paid"
    assert (data["order_id"], data["order_no"], data["total"]) == ("o-1", order().order_no, 25600)
    assert data["store_id"] == "S001" and data["at"].endswith("Z")
    assert e.customer_id == "C-ALICE" and e.seq == 7


def test_a_cancellation_says_why() -> None:
    cancelled = order(status=orders_pb2.ORDER_STATUS_CANCELLED, cancel_reason="买错了")
    e = feed("orders.cancelled", ord_events.OrderCancelled(order=cancelled, refunded=True))
    assert e.fields["reason"] == "买错了" and e.fields["refunded"] is True
    assert summary(ZH, e.data()) == f"订单 {cancelled.order_no} 已取消：买错了"


def test_a_scan_names_its_parcel_order_and_place() -> None:
    shipment = logistics_pb2.Shipment(
        shipment_id="sh-1",
        order_id="o-1",
        order_no="N-1",
        customer_id="C-ALICE",
        store_id="S001",
        carrier="swift",
        waybill_no="SW123",
        status=logistics_pb2.TRACKING_STATUS_IN_TRANSIT,
    )
    scan = logistics_pb2.TrackingEvent(
        status=logistics_pb2.TRACKING_STATUS_OUT_FOR_DELIVERY, location="上海浦东"
    )
    e = feed(
        "logistics.shipment_updated", log_events.ShipmentUpdated(shipment=shipment, event=scan)
    )
    assert e.type == "shipment.scan" and e.customer_id == "C-ALICE" and e.store_id == "S001"
    assert e.fields["status"] == "out_for_delivery" and e.fields["place"] == "上海浦东"
    assert summary(EN, e.data()) == "Waybill SW123 (swift) out for delivery at 上海浦东"


def test_stock_alerts_carry_the_suggestion() -> None:
    level = inventory_pb2.StockLevel(
        sku="TEA-2", location_id="LOC-S001", available=3, low_stock_threshold=5
    )
    sug = inventory_pb2.Replenishment(from_location_id="WH-EAST", qty=20, reason="r")
    e = feed("inventory.low_stock", inv_events.LowStock(level=level, suggestion=sug))
    assert e.kind == "stock" and e.location_id == "LOC-S001"
    assert e.fields["suggestion"] == {"from_location_id": "WH-EAST", "qty": 20, "reason": "r"}
    assert "建议从 WH-EAST 调拨 20" in summary(ZH, e.data())


def test_events_no_screen_shows_translate_to_nothing() -> None:
    reserved = inv_events.StockReserved(reservation_id="r-1")
    assert translate(1, env_of("inventory.stock_reserved", reserved)) is None  # type: ignore[arg-type]


def scoped(e: FeedEvent) -> dict[str, bool]:
    scopes = {
        "hq": FeedScope("hq"),
        "hq_s002": FeedScope("hq", store_id="S002", location_id="LOC-S002"),
        "s001": FeedScope("store", store_id="S001", location_id="LOC-S001"),
        "s002": FeedScope("store", store_id="S002", location_id="LOC-S002"),
        "alice": FeedScope("customer", customer_id="C-ALICE"),
        "bob": FeedScope("customer", customer_id="C-BOB"),
        "nobody": FeedScope("customer", customer_id=""),
    }
    return {name: s.allows(e) for name, s in scopes.items()}


def test_scoping_by_role() -> None:
    paid = feed("orders.paid", ord_events.OrderPaid(order=order()), store_id="S001")
    assert scoped(paid) == {
        "hq": True,
        "hq_s002": False,
        "s001": True,
        "s002": False,
        "alice": True,
        "bob": False,
        "nobody": False,
    }
    level = inventory_pb2.StockLevel(sku="X", location_id="LOC-S002")
    low = feed("inventory.low_stock", inv_events.LowStock(level=level))
    assert scoped(low) == {
        "hq": True,
        "hq_s002": True,
        "s001": False,
        "s002": True,
        "alice": False,
        "bob": False,
        "nobody": False,
    }
    gap = feed("logistics.carrier_push_gap", log_events.CarrierPushGap(carrier="swift"))
    assert [k for k, v in scoped(gap).items() if v] == ["hq"]


def test_type_filters() -> None:
    assert parse_types(None) is None
    assert parse_types("order.*,stock.low") == {
        "order.created",
        "order.paid",
        "order.confirmed",
        "order.address_changed",
        "order.shipped",
        "order.completed",
        "order.cancelled",
        "stock.low",
    }
    with pytest.raises(ValueError, match=r"order\.nope"):
        parse_types("order.nope")
    only_paid = FeedScope("hq", types=parse_types("order.paid"))
    assert only_paid.allows(feed("orders.paid", ord_events.OrderPaid(order=order())))
    assert not only_paid.allows(feed("orders.created", ord_events.OrderCreated(order=order())))


def test_cursors_round_trip_and_refuse_garbage() -> None:
    c = Cursor(1_796_000_000, 123_456)
    assert Cursor.decode(c.encode()) == c
    for bad in ("", "abc", ".", "1.", "zz.!!", "x" * 50):
        with pytest.raises(ValueError, match=r"cursor|invalid literal"):
            Cursor.decode(bad)


def test_language_choice() -> None:
    assert language(None) == ZH
    assert language("en-US,en;q=0.9") == EN
    assert language("zh-CN,zh;q=0.9,en;q=0.8") == ZH
    assert language("zh-CN", "en") == EN


def test_customers_are_told_what_matters_only() -> None:
    paid = feed("orders.paid", ord_events.OrderPaid(order=order()))
    n = notice_for("ev-1", paid)
    assert n is not None and (n.kind, n.customer_id, n.order_no) == (
        "paid",
        "C-ALICE",
        paid.fields["order_no"],
    )
    assert notice(EN, n.kind, {"order_no": n.order_no, **n.params})[0] == "Payment received"
    pos = order(channel=orders_pb2.CHANNEL_POS)
    assert notice_for("ev-2", feed("orders.paid", ord_events.OrderPaid(order=pos))) is None
    confirmed = feed("orders.confirmed", ord_events.OrderConfirmed(order=order()))
    assert notice_for("ev-3", confirmed) is None
    shipment = logistics_pb2.Shipment(order_id="o-1", customer_id="C-ALICE", waybill_no="W1")
    transit = logistics_pb2.TrackingEvent(status=logistics_pb2.TRACKING_STATUS_IN_TRANSIT)
    moving = feed(
        "logistics.shipment_updated", log_events.ShipmentUpdated(shipment=shipment, event=transit)
    )
    assert notice_for("ev-4", moving) is None
    stalled = feed("logistics.shipment_stalled", log_events.ShipmentStalled(shipment=shipment))
    n = notice_for("ev-5", stalled)
    assert n is not None and "请联系门店" in notice(ZH, "stalled", n.params | {"order_no": "N"})[1]


def test_amounts_in_yuan() -> None:
    e = FeedEvent(
        seq=1,
        type="order.paid",
        at=datetime(2026, 12, 4, tzinfo=UTC),
        kind="order",
        fields={"order_no": "N", "total": 123456},
    )
    assert summary(ZH, e.data()) == "订单 N 已付款 ¥1,234.56"


def test_each_role_gets_its_scope_and_no_more() -> None:
    from chainkit.errors import PermissionDenied
    from gateway.feed.scope import scope_for

    def of(role: str, store_filter: str | None = None) -> FeedScope:
        return scope_for(
            role, own_store="S001", own_customer="C-A", store_filter=store_filter, types=None
        )

    assert of("hq") == FeedScope("hq")
    assert of("hq", "S002") == FeedScope("hq", store_id="S002")
    assert of("store") == FeedScope("store", store_id="S001")
    assert of("store", "S001") == FeedScope("store", store_id="S001")
    assert of("customer") == FeedScope("customer", customer_id="C-A")
    with pytest.raises(PermissionDenied, match="own store"):
        of("store", "S002")
    with pytest.raises(PermissionDenied, match="no store filter"):
        of("customer", "S001")
