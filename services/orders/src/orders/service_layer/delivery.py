"""logistics.shipment_delivered → that shipment delivered; all delivered → completed.

Runs under chainkit's EventConsumer: it records the event id at commit, so a redelivered
event is skipped and the order completes (and `orders.completed` is emitted) once.
"""

from __future__ import annotations

import logging

from chainkit.errors import Retryable
from orders.domain.order import OrderStatus
from orders.domain.timeline import SYSTEM_CARRIER
from orders.service_layer.commands import ShipmentDelivered
from orders.service_layer.ports import UnitOfWork

log = logging.getLogger(__name__)


async def shipment_delivered(uow: UnitOfWork, cmd: ShipmentDelivered) -> None:
    async with uow:
        order = await uow.orders.get(cmd.order_id)
        known = order is not None and any(s.shipment_id == cmd.shipment_id for s in order.shipments)
        if order is not None and not known and order.status is OrderStatus.PAID:
            # ShipOrder has the waybill but has not committed yet: try again shortly.
            raise Retryable(f"shipment {cmd.shipment_id} not recorded yet")
        if order is None or not known:
            log.warning(
                "delivery of a shipment orders does not know; ignored",
                extra={"fields": {"shipment_id": cmd.shipment_id, "event_id": cmd.event_id}},
            )
            await uow.commit()  # records the event as handled
            return
        order.mark_delivered(cmd.shipment_id, cmd.at, by=SYSTEM_CARRIER)
        await uow.orders.save(order)
        uow.publish(order, causation_id=cmd.event_id)
        await uow.commit()
