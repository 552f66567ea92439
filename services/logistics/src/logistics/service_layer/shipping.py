"""Use cases: list carriers, create shipments (one per package, idempotent)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from chainkit.errors import FieldError, InvalidArgument, Retryable
from chainkit.events import envelope
from chainstore.logistics.v1 import events_pb2
from logistics.domain.carriers import Carrier, CarrierChoice, choose_carrier
from logistics.domain.shipment import Shipment, shipment_id_for
from logistics.service_layer.deps import SOURCE, Deps
from logistics.service_layer.messages import shipment_pb


@dataclass(frozen=True)
class PackageSpec:
    location_id: str
    weight_g: int


@dataclass(frozen=True)
class CreateShipments:
    order_id: str
    store_id: str
    region: str
    city: str
    packages: Sequence[PackageSpec]
    carrier: str = ""  # staff override; empty lets the rules choose


def list_carriers(deps: Deps) -> list[Carrier]:
    return list(deps.carriers)


async def create_shipments(deps: Deps, cmd: CreateShipments) -> list[Shipment]:
    """One shipment per package; a retry returns the shipments already made.

    Carriers are chosen for every package before any waybill is requested, so a bad
    override refuses the whole request. The carrier is called outside any transaction
    with reference = shipment id: its API is idempotent by reference, so a crash between
    the call and our commit just gets the same waybill on the retry.
    """
    _validate(cmd)
    choices = {
        p.location_id: choose_carrier(
            deps.carriers, region=cmd.region, weight_g=p.weight_g, override=cmd.carrier
        )
        for p in cmd.packages
    }
    return [await _create_one(deps, cmd, p, choices[p.location_id]) for p in cmd.packages]


async def _create_one(
    deps: Deps, cmd: CreateShipments, package: PackageSpec, choice: CarrierChoice
) -> Shipment:
    shipment_id = shipment_id_for(cmd.order_id, package.location_id)
    async with deps.uow() as uow:
        existing = await uow.shipments.get(shipment_id)
    if existing is not None:
        return existing
    waybill_no = await deps.carrier_api.create_waybill(
        choice.carrier.code,
        reference=shipment_id,
        weight_g=package.weight_g,
        region=cmd.region,
        city=cmd.city,
    )
    shipment = Shipment.create(
        order_id=cmd.order_id,
        store_id=cmd.store_id,
        location_id=package.location_id,
        choice=choice,
        waybill_no=waybill_no,
        region=cmd.region,
        city=cmd.city,
        weight_g=package.weight_g,
        now=deps.clock(),
    )
    try:
        async with deps.uow() as uow:
            existing = await uow.shipments.get(shipment_id)
            if existing is not None:
                return existing
            await uow.shipments.add(shipment)
            uow.emit(
                envelope(
                    "logistics.shipment_created",
                    events_pb2.ShipmentCreated(shipment=shipment_pb(shipment)),
                    source=SOURCE,
                    store_id=shipment.store_id,
                    event_id=str(uuid.uuid5(uuid.UUID(shipment_id), "created")),
                )
            )
            await uow.commit()
            return shipment
    except Retryable:
        # A concurrent request for the same package committed first: answer with its row.
        async with deps.uow() as uow:
            existing = await uow.shipments.get(shipment_id)
        if existing is None:
            raise
        return existing


def _validate(cmd: CreateShipments) -> None:
    errors: list[FieldError] = []
    if not cmd.order_id:
        errors.append(FieldError("order_id", "required"))
    if not cmd.store_id:
        errors.append(FieldError("store_id", "required"))
    if not cmd.region:
        errors.append(FieldError("destination.region", "required"))
    if not cmd.packages:
        errors.append(FieldError("packages", "at least one package"))
    seen: set[str] = set()
    for i, p in enumerate(cmd.packages):
        if not p.location_id:
            errors.append(FieldError(f"packages[{i}].location_id", "required"))
        elif p.location_id in seen:
            errors.append(FieldError(f"packages[{i}].location_id", "duplicate location"))
        seen.add(p.location_id)
        if p.weight_g <= 0:
            errors.append(FieldError(f"packages[{i}].weight_g", "must be positive"))
    if errors:
        raise InvalidArgument("invalid shipment request", errors)
