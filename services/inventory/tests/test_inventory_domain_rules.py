"""Reservation state machine and request validation."""

from __future__ import annotations

import pytest

from chainkit.errors import Conflict, InvalidArgument
from inventory.domain.allocation import Allocation
from inventory.domain.model import Location, LocationKind, Product, SkuQty
from inventory.domain.reservation import ReleaseEffect, Reservation, ReservationState
from inventory.domain.validation import Errors, check_lines, check_location, check_product


def reservation(state: ReservationState) -> Reservation:
    return Reservation("R1", state, (Allocation("W1", "A", 2, "why"),))


def test_held_commits_once_then_commit_is_a_no_op() -> None:
    held = reservation(ReservationState.HELD)
    assert held.needs_commit()
    committed = held.committed()
    assert committed.state is ReservationState.COMMITTED
    assert not committed.needs_commit()


def test_released_cannot_be_committed() -> None:
    with pytest.raises(Conflict, match="released"):
        reservation(ReservationState.RELEASED).needs_commit()


def test_release_frees_held_and_restocks_committed() -> None:
    held = reservation(ReservationState.HELD)
    assert held.release_effect() is ReleaseEffect.FREE_HELD
    freed = held.released("cancelled", ReleaseEffect.FREE_HELD)
    assert (freed.state, freed.restocked, freed.release_reason) == (
        ReservationState.RELEASED,
        False,
        "cancelled",
    )
    committed = reservation(ReservationState.COMMITTED)
    assert committed.release_effect() is ReleaseEffect.RESTOCK
    assert committed.released("refund", ReleaseEffect.RESTOCK).restocked
    assert freed.release_effect() is ReleaseEffect.NONE


def fields(errors: Errors) -> list[str]:
    return [e.field for e in errors.items]


def test_lines_validation_names_each_field() -> None:
    errors = Errors()
    check_lines(errors, [SkuQty("", 1), SkuQty("A", 0), SkuQty("A", -3), SkuQty("B", 10**9)])
    assert fields(errors) == [
        "lines[0].sku",
        "lines[1].qty",
        "lines[2].sku",  # duplicate
        "lines[2].qty",
        "lines[3].qty",
    ]
    with pytest.raises(InvalidArgument, match=r"lines\[0\].sku: is required \(and 4 more\)"):
        errors.raise_if_any()


def test_empty_lines_are_refused() -> None:
    errors = Errors()
    check_lines(errors, [])
    assert fields(errors) == ["lines"]


def test_location_and_product_validation() -> None:
    errors = Errors()
    loc = Location("", "", LocationKind.STORE, "", "x" * 201, -1, False, lat=91.0, lon=0.0)
    check_location(errors, loc)
    assert fields(errors) == [
        "location.location_id",
        "location.name",
        "location.region",
        "location.city",
        "location.priority",
        "location.point.lat",
    ]
    errors = Errors()
    check_product(errors, Product("A", "Tea", "tea", -1, -5, currency="USD"))
    assert fields(errors) == ["product.price", "product.weight_g", "product.price.currency"]


def test_share_online_defaults_by_kind() -> None:
    assert Location.default_share_online(LocationKind.WAREHOUSE)
    assert not Location.default_share_online(LocationKind.STORE)
