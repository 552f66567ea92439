"""Use cases: list carriers, quote and create shipments (one per package, idempotent).

A quote and a creation plan their packages with the same function (`plan_packages`), so
what a quote says is what the creation will choose for the same inputs and carriers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chainkit.china.regions import region_of_province
from chainkit.errors import FieldError, InvalidArgument, Retryable
from logistics.domain.carrier_choice import (
    CarrierChoice,
    Parcel,
    choose_carrier,
    eligible_carriers,
    parse_level,
)
from logistics.domain.carriers import Carrier, UpdateMode
from logistics.domain.shipment import Shipment, shipment_id_for
from logistics.service_layer.commands import CreateShipments, PackageSpec, QuoteShipments
from logistics.service_layer.deps import Deps


@dataclass(frozen=True)
class PackagePlan:
    """One package, its parcel and the carrier chosen for it (and those that could take it)."""

    package: PackageSpec
    parcel: Parcel
    choice: CarrierChoice
    eligible: tuple[str, ...]


@dataclass(frozen=True)
class CarrierState:
    carrier: Carrier
    push_gap_since: datetime | None  # its push-gap alert is open since then (stalls.py)


async def list_carriers(deps: Deps) -> list[CarrierState]:
    async with deps.reader() as uow:
        gaps = await uow.shipments.open_push_gaps()
    return [CarrierState(c, gaps.get(c.code)) for c in deps.carriers]


def quote_shipments(deps: Deps, query: QuoteShipments) -> list[PackagePlan]:
    """What create_shipments would choose for these inputs. Reads and writes nothing."""
    return plan_packages(deps, query)


def plan_packages(
    deps: Deps, query: QuoteShipments, errors: Sequence[FieldError] = ()
) -> list[PackagePlan]:
    """Validate, then choose a carrier for every package, before anything is asked of a
    carrier: a bad override refuses the whole request. `errors`: the caller's own."""
    _validate(query, list(errors))
    level = parse_level(query.service_level)
    plans = []
    for p in query.packages:
        parcel = Parcel(query.region, p.weight_g, p.origin_region, level, query.province_code)
        choice = choose_carrier(
            deps.carriers, parcel, override=query.carrier, preferred=query.preferred_carrier
        )
        eligible = tuple(c.code for c in eligible_carriers(deps.carriers, parcel))
        plans.append(PackagePlan(p, parcel, choice, eligible))
    return plans


async def create_shipments(deps: Deps, cmd: CreateShipments) -> list[Shipment]:
    """One shipment per package; a retry returns the shipments already made.

    Carriers are chosen for every package before any waybill is requested (plan_packages).
    The carrier is called outside any transaction with reference = shipment id: its API is
    idempotent by reference, so a crash between the call and our commit just gets the same
    waybill on the retry.
    """
    errors: list[FieldError] = []
    if not cmd.order_id:
        errors.append(FieldError("order_id", "required"))
    if not cmd.store_id:
        errors.append(FieldError("store_id", "required"))
    plans = plan_packages(deps, cmd, errors)
    return [await _create_one(deps, cmd, p.package, p.parcel, p.choice) for p in plans]


async def _create_one(
    deps: Deps, cmd: CreateShipments, package: PackageSpec, parcel: Parcel, choice: CarrierChoice
) -> Shipment:
    shipment_id = shipment_id_for(cmd.order_id, package.location_id)
    async with deps.reader() as uow:
        existing = await uow.shipments.get(shipment_id)
    if existing is not None:
        return existing
    waybill_no = await deps.adapter(choice.carrier.code).create_waybill(
        reference=shipment_id,
        weight_g=package.weight_g,
        region=parcel.region,
        city=cmd.city,
        service_level=parcel.level.value,
    )
    now = deps.clock()
    shipment = Shipment.create(
        order_id=cmd.order_id,
        store_id=cmd.store_id,
        location_id=package.location_id,
        choice=choice,
        parcel=parcel,
        waybill_no=waybill_no,
        city=cmd.city,
        now=now,
        customer_id=cmd.customer_id,
        order_no=cmd.order_no,
    )
    polled = choice.carrier.update_mode is UpdateMode.POLL
    try:
        async with deps.uow() as uow:
            existing = await uow.shipments.get(shipment_id)
            if existing is not None:
                return existing
            # Poll-mode parcels join the poll schedule: first question after one cadence.
            first_poll = (
                now + choice.carrier.cadence.after(shipment.status, deps.poll_base)
                if polled
                else None
            )
            await uow.shipments.add(shipment, next_poll_at=first_poll)
            uow.publish(shipment.pop_domain_events())
            await uow.commit()
            return shipment
    except Retryable:
        # A concurrent request for the same package committed first: answer with its row.
        async with deps.reader() as uow:
            existing = await uow.shipments.get(shipment_id)
        if existing is None:
            raise
        return existing


def _validate(cmd: QuoteShipments, errors: list[FieldError]) -> None:
    if not cmd.region and not cmd.province_code:
        errors.append(FieldError("destination.region", "required (or province_code)"))
    elif cmd.province_code and not region_of_province(cmd.province_code):
        errors.append(FieldError("destination.province_code", "not a mainland province code"))
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
