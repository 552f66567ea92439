"""`chainstore order show <order-no>`: an order, its lines, shipments and timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from chainstore.orders.v1 import orders_pb2 as pb
from chainstore_cli.connection import Services
from chainstore_cli.context import JsonOpt, run
from chainstore_cli.render import as_dict, emit_json, enum_text, facts, table, when

app = typer.Typer(help="Orders.", no_args_is_help=True)


def _status(value: int) -> str:
    return enum_text("ORDER_STATUS_", pb.OrderStatus.Name(value))  # type: ignore[arg-type]


def _yes(value: bool) -> str:
    return "yes" if value else ""


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"  # amounts are in fen (cents)


@app.command("show")
def show(
    ctx: typer.Context,
    order_ref: Annotated[str, typer.Argument(help="The order number (or its id).")],
    json: JsonOpt = False,
) -> None:
    """The order with its timeline: who did what, when, from which status to which."""

    async def body(services: Services) -> pb.Order:
        # An empty scope is head office's: every store's orders.
        async with services.calling("orders"):
            order: pb.Order = await services.orders().GetOrder(
                pb.GetOrderRequest(order_ref=order_ref), timeout=services.timeout_s
            )
        return order

    order = run(ctx, body)
    if json:
        emit_json(as_dict(order))
        return
    facts(
        f"Order {order.order_no}",
        [
            ("order id", order.order_id),
            ("status", _status(order.status)),
            ("store", order.store_id),
            ("customer", order.customer_id),
            ("channel", enum_text("CHANNEL_", pb.Channel.Name(order.channel))),
            ("total", _money(order.total, order.currency)),
            ("created", when(order.created_at)),
            ("payment due", when(order.payment_due_at)),
            ("time zone", order.time_zone),
            ("cancel reason", order.cancel_reason),
        ],
    )
    money = order.currency
    table(
        "Lines",
        ["sku", "name", "qty", "unit price", "amount"],
        [
            [x.sku, x.name, x.qty, _money(x.unit_price, money), _money(x.amount, money)]
            for x in order.lines
        ],
    )
    if order.shipments:
        table(
            "Shipments",
            ["shipment", "from", "carrier", "waybill", "delivered"],
            [
                [s.shipment_id, s.location_id, s.carrier, s.waybill_no, _yes(s.delivered)]
                for s in order.shipments
            ],
        )
    table(
        "Timeline",
        ["at", "action", "from", "to", "by", "why"],
        [
            [
                when(t.at),
                t.action,
                _status(t.from_status) if t.from_status else "",
                _status(t.status),
                t.actor,
                t.reason,
            ]
            for t in order.timeline
        ],
    )
