"""Field types and shapes every resource shares."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints

T = TypeVar("T")

# Identifiers chosen by people (store ids, SKUs, location ids) or by services (UUIDs).
Id = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.:-]*$"
    ),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Strict: "2" or 2.5 is a client bug to report, not a value to coerce.
Qty = Annotated[int, Field(strict=True, gt=0, le=1_000_000)]
Amount = Annotated[int, Field(strict=True, ge=0, le=10**12, description="minor units (fen)")]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
# A carrier's code ("swift"); which carriers exist is logistics' call, checked there.
CarrierCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
# The promised speed a shipment must meet.
ServiceLevel = Literal["express", "standard", "economy"]


class Page(BaseModel, Generic[T]):
    """Every collection: newest first where time orders it; `next_cursor` null at the end."""

    items: list[T]
    next_cursor: str | None = None


class SkuQtyIn(BaseModel):
    sku: Id
    qty: Qty


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (served as `application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
