"""logistics.shipment_delivered through a real NATS server: handled once, however often sent."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chainkit import events
from chainkit.nats import connect, ensure_stream
from chainstore.logistics.v1 import events_pb2 as lev
from chainstore.logistics.v1 import logistics_pb2 as lg
from chainstore.orders.v1 import orders_pb2 as pb
from chainstore_dev.testing import NatsServer
from orders.domain.lines import LineRequest
from orders.domain.order import Address, Payment
from orders.entrypoints import translate_answers as answer
from orders.entrypoints.bootstrap import OrdersApp
from orders.entrypoints.consumer import DURABLE, STREAM, logistics_consumer
from orders.service_layer import commands as c
from orders.service_layer.create_order import create_order
from orders.service_layer.order_actions import confirm_order, pay_order, ship_order
from orders.service_layer.queries import get_order

EVENT_ID = "8d3c1f5e-7a2b-4c9d-9e1f-0a1b2c3d4e5f"


async def test_delivery_completes_the_order_exactly_once(
    nats_server: NatsServer,
    app: OrdersApp,
    sessions: async_sessionmaker[AsyncSession],
    probe: Any,
) -> None:
    order = answer.order(
        await create_order(
            app.deps,
            c.CreateOrder(
                store_id="s1",
                customer_id="c1",
                channel="online",
                lines=(LineRequest("TEA-1", 1),),
                shipping_address=Address("Li", "138", "east", "Shanghai", "1 Rd"),
            ),
        )
    )
    await pay_order(app.deps, c.PayOrder(order.order_id, Payment("card", 1200)))
    await confirm_order(app.deps, c.ConfirmOrder(order.order_id))
    shipped = answer.order(await ship_order(app.deps, c.ShipOrder(order.order_id)))
    (shipment,) = shipped.shipments
    async with app.uow_factory() as uow:
        version_when_shipped = (await uow.orders.get(order.order_id)).version  # type: ignore[union-attr]

    nc = await connect(nats_server.url, "test")
    js = nc.jetstream()
    await ensure_stream(js, STREAM)
    consumer = logistics_consumer(js, sessions, app.uow_factory)
    task = asyncio.create_task(consumer.run())
    try:
        delivered = lev.ShipmentDelivered(
            shipment=lg.Shipment(
                shipment_id=shipment.shipment_id,
                order_id=order.order_id,
                store_id="s1",
                status=lg.TRACKING_STATUS_DELIVERED,
            )
        )
        event = events.envelope(
            "logistics.shipment_delivered",
            delivered,
            source="logistics",
            store_id="s1",
            event_id=EVENT_ID,
        )
        # No Nats-Msg-Id: both copies reach the stream, as after a relay crash past the
        # duplicate window; the inbox must recognise the second.
        for _ in range(2):
            await js.publish(event.subject, event.data)
        for _ in range(200):
            await asyncio.sleep(0.05)
            with contextlib.suppress(NotFoundError):  # the consumer task creates it
                info = await js.consumer_info(STREAM, DURABLE)
                if info.delivered.stream_seq >= 2 and info.num_ack_pending == 0:
                    break
        else:
            raise AssertionError("the consumer did not settle both copies")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await nc.close()

    done = answer.order(await get_order(app.deps, c.Scope(), order.order_id))
    assert done.status == pb.ORDER_STATUS_COMPLETED
    assert done.shipments[0].delivered
    assert (await probe.event_types()).count("orders.completed") == 1
    assert await probe.count("inbox") == 1
    async with app.uow_factory() as uow:
        handled = await uow.orders.get(order.order_id)
    assert handled is not None and handled.version == version_when_shipped + 1
