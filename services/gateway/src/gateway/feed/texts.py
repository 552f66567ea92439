"""Human lines for feed events and customer notifications, in zh-CN (default) and en."""

# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)

ORDER_STATUS = {
    ZH: {
        "pending_payment": "待付款",
        "paid": "待发货",
        "shipped": "已发货",
        "completed": "已完成",
        "cancelled": "已取消",
    },
    EN: {
        "pending_payment": "awaiting payment",
        "paid": "awaiting shipment",
        "shipped": "shipped",
        "completed": "completed",
        "cancelled": "cancelled",
    },
}

TRACKING_STATUS = {
    ZH: {
        "info_received": "已下单",
        "picked_up": "已揽收",
        "in_transit": "运输中",
        "arrived_at_hub": "到达转运中心",
        "out_for_delivery": "派送中",
        "delivered": "已签收",
        "failed_attempt": "派送失败",
        "exception": "异常",
        "returned_to_sender": "已退回",
    },
    EN: {
        "info_received": "info received",
        "picked_up": "picked up",
        "in_transit": "in transit",
        "arrived_at_hub": "arrived at hub",
        "out_for_delivery": "out for delivery",
        "delivered": "delivered",
        "failed_attempt": "delivery attempt failed",
        "exception": "exception",
        "returned_to_sender": "returned to sender",
    },
}

SUMMARIES = {
    ZH: {
        "order.created": "新订单 {order_no}，金额 {amount}",
        "order.paid": "订单 {order_no} 已付款 {amount}",
        "order.confirmed": "订单 {order_no} 已审核",
        "order.address_changed": "订单 {order_no} 的收货地址已修改",
        "order.shipped": "订单 {order_no} 已发货",
        "order.completed": "订单 {order_no} 已完成",
        "order.cancelled": "订单 {order_no} 已取消：{reason}",
        "shipment.scan": "运单 {waybill_no}（{carrier}）{tracking}{at_place}",
        "shipment.stalled": "运单 {waybill_no}（{carrier}）长时间无物流更新",
        "shipment.unstalled": "运单 {waybill_no}（{carrier}）恢复物流更新",
        "shipment.exception": "运单 {waybill_no}（{carrier}）异常：{description}",
        "shipment.cancelled": "运单 {waybill_no}（{carrier}）已取消",
        "carrier.push_gap": "承运商 {carrier} 停止推送物流信息（在途 {parcels_under_way} 件）",
        "carrier.push_resumed": "承运商 {carrier} 恢复推送物流信息",
        "stock.low": "{sku} 在 {location_id} 库存不足：可用 {available}，阈值 {threshold}{advice}",
        "stock.low_cleared": "{sku} 在 {location_id} 库存已恢复：可用 {available}",
    },
    EN: {
        "order.created": "New order {order_no}, {amount}",
        "order.paid": "Order {order_no} paid {amount}",
        "order.confirmed": "Order {order_no} confirmed",
        "order.address_changed": "Order {order_no}: shipping address changed",
        "order.shipped": "Order {order_no} shipped",
        "order.completed": "Order {order_no} completed",
        "order.cancelled": "Order {order_no} cancelled: {reason}",
        "shipment.scan": "Waybill {waybill_no} ({carrier}) {tracking}{at_place}",
        "shipment.stalled": "Waybill {waybill_no} ({carrier}) has had no update for too long",
        "shipment.unstalled": "Waybill {waybill_no} ({carrier}) is moving again",
        "shipment.exception": "Waybill {waybill_no} ({carrier}) exception: {description}",
        "shipment.cancelled": "Waybill {waybill_no} ({carrier}) cancelled",
        "carrier.push_gap": "Carrier {carrier} stopped pushing updates "
        "({parcels_under_way} parcels under way)",
        "carrier.push_resumed": "Carrier {carrier} is pushing updates again",
        "stock.low": "{sku} low at {location_id}: {available} available, threshold {threshold}"
        "{advice}",
        "stock.low_cleared": "{sku} restocked at {location_id}: {available} available",
    },
}

ADVICE = {ZH: "；建议从 {src} 调拨 {qty}", EN: "; suggest transferring {qty} from {src}"}
AT_PLACE = {ZH: "，{place}", EN: " at {place}"}


def language(accept_language: str | None, override: str | None = None) -> str:
    """zh-CN unless the caller prefers English (by `lang=` or first in Accept-Language)."""
    choice = override or (accept_language or "").split(",", 1)[0]
    return EN if choice.strip().lower().startswith("en") else ZH


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _values(lang: str, data: Mapping[str, Any]) -> _Blank:
    values = _Blank({k: v for k, v in data.items() if v is not None})
    values["amount"] = yuan(int(data.get("total") or 0))
    values["tracking"] = TRACKING_STATUS[lang].get(str(data.get("status")), data.get("status"))
    place = data.get("place")
    values["at_place"] = AT_PLACE[lang].format(place=place) if place else ""
    suggestion = data.get("suggestion")
    values["advice"] = (
        ADVICE[lang].format(src=suggestion["from_location_id"], qty=suggestion["qty"])
        if suggestion
        else ""
    )
    if not values.get("reason"):
        values["reason"] = "—"
    return values


def summary(lang: str, data: Mapping[str, Any]) -> str:
    template = SUMMARIES[lang].get(str(data["type"]))
    return template.format_map(_values(lang, data)) if template else str(data["type"])


# Customer notifications: (title, body) per kind of update worth telling a customer.
NOTICES = {
    ZH: {
        "paid": ("付款成功", "订单 {order_no} 已付款 {amount}，等待发货。"),
        "shipped": ("订单已发货", "订单 {order_no} 已由 {carrier} 发出，运单号 {waybill_no}。"),
        "out_for_delivery": ("包裹派送中", "订单 {order_no} 的包裹（{waybill_no}）正在派送。"),
        "delivered": ("包裹已签收", "订单 {order_no} 的包裹（{waybill_no}）已签收。"),
        "cancelled": ("订单已取消", "订单 {order_no} 已取消，原因：{reason}。"),
        "stalled": (
            "物流长时间未更新",
            "订单 {order_no} 的包裹（{waybill_no}）长时间没有物流更新，请联系门店。",
        ),
    },
    EN: {
        "paid": ("Payment received", "Order {order_no} is paid ({amount}) and awaits shipment."),
        "shipped": ("Order shipped", "Order {order_no} left with {carrier}, waybill {waybill_no}."),
        "out_for_delivery": (
            "Out for delivery",
            "The parcel of order {order_no} ({waybill_no}) is out for delivery.",
        ),
        "delivered": ("Delivered", "The parcel of order {order_no} ({waybill_no}) was delivered."),
        "cancelled": ("Order cancelled", "Order {order_no} was cancelled: {reason}."),
        "stalled": (
            "No tracking update",
            "The parcel of order {order_no} ({waybill_no}) has had no update for a long time; "
            "please contact the store.",
        ),
    },
}


def notice(lang: str, kind: str, params: Mapping[str, Any]) -> tuple[str, str]:
    title, body = NOTICES[lang][kind]
    return title, body.format_map(_values(lang, params))
