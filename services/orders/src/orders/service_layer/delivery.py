"""logistics.shipment_delivered → that shipment delivered; all delivered → completed.

Runs under chainkit's EventConsumer: it records the event id at commit, so a redelivered
event is skipped and the order completes (and `orders.completed` is emitted) once.
"""

from __future__ import annotations

import logging
from datetime import UTC

from chainkit import events
from chainkit.clock import utcnow
from chainkit.errors import Retryable
from chainstore.common.v1.common_pb2 import EventEnvelope
from chainstore.logistics.v1 import events_pb2 as logistics_events
from orders.domain.order import OrderStatus
from orders.domain.timeline import SYSTEM_CARRIER
from orders.service_layer.order_actions import COMPLETED
from orders.service_layer.ports import UnitOfWork

log = logging.getLogger(__name__)

SHIPMENT_DELIVERED = "logistics.shipment_delivered"


async def handle_shipment_delivered(uow: UnitOfWork, env: EventEnvelope) -> None:
    shipment = events.unpack(env, logistics_events.ShipmentDelivered).shipment
    at = env.occurred_at.ToDatetime(tzinfo=UTC) if env.HasField("occurred_at") else utcnow()
    async with uow:
        order = await uow.orders.get(shipment.order_id)
        known = order is not None and any(
            s.shipment_id == shipment.shipment_id for s in order.shipments
        )
        if order is not None and not known and order.status is OrderStatus.PAID:
            # ShipOrder has the waybill but has not committed yet: try again shortly.
            raise Retryable(f"shipment {shipment.shipment_id} not recorded yet")
        if order is None or not known:
            log.warning(
                "delivery of a shipment orders does not know; ignored",
                extra={"fields": {"shipment_id": shipment.shipment_id, "event_id": env.event_id}},
            )
            await uow.commit()  # records the event as handled
            return
        if order.mark_delivered(shipment.shipment_id, at, by=SYSTEM_CARRIER):
            uow.publish(order, [COMPLETED], causation_id=env.event_id)
        await uow.orders.save(order)
        await uow.commit()
