"""Use case: cancel a shipment before the carrier picks it up."""

from __future__ import annotations

from chainkit.errors import Conflict, FieldError, InvalidArgument, NotFound
from logistics.domain.shipment import Shipment
from logistics.service_layer.commands import CancelShipment
from logistics.service_layer.deps import Deps


async def cancel_shipment(deps: Deps, cmd: CancelShipment) -> Shipment:
    """Refused (Conflict) once picked up. The carrier is told first, outside any
    transaction: it knows best whether it already has the parcel (a pickup scan may not
    have reached us yet) and refuses then. A retry after success answers the same."""
    if not cmd.shipment_id:
        raise InvalidArgument("shipment_id is required", [FieldError("shipment_id", "required")])
    shipment = await _load(deps, cmd)
    if shipment.cancelled_at is not None:
        return shipment
    shipment.cancel(deps.clock(), cmd.reason)  # Conflict after pickup, before asking anyone
    await deps.adapter(shipment.carrier).cancel_waybill(shipment.waybill_no)
    async with deps.uow() as uow:
        if not await uow.shipments.mark_cancelled(shipment):
            # A scan landed between our read and now: the parcel is no longer waiting.
            current = await uow.shipments.get(shipment.shipment_id)
            if current is not None and current.cancelled_at is not None:
                return current
            status = current.status.value if current else "gone"
            raise Conflict(f"shipment is {status}: it can only be cancelled before pickup")
        uow.publish(shipment.pop_domain_events())
        await uow.commit()
    return shipment


async def _load(deps: Deps, cmd: CancelShipment) -> Shipment:
    async with deps.uow() as uow:
        shipment = await uow.shipments.get(cmd.shipment_id)
    if shipment is None or (cmd.store_id and shipment.store_id != cmd.store_id):
        raise NotFound(f"shipment {cmd.shipment_id!r} not found")
    return shipment
