"""Field types and shapes every resource shares."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from chainkit.china.contact import MOBILE_HINT, normalise_mobile
from chainkit.china.divisions import DivisionError, Place, resolve
from chainkit.china.regions import LEGACY_REGIONS, SALES_REGIONS, normalise_region
from chainkit.errors import FieldError, InvalidArgument

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
# A carrier's code ("sf"); which carriers exist is logistics' call, checked there.
CarrierCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
# The promised speed a shipment must meet.
ServiceLevel = Literal["express", "standard", "economy"]

_REGIONS_HINT = (
    f"a sales region: one of {', '.join(SALES_REGIONS)} "
    f"(or an old value: {', '.join(LEGACY_REGIONS)})"
)


def _sales_region(value: str) -> str:
    region = normalise_region(value)
    if not region:
        raise ValueError(_REGIONS_HINT)
    return region


def _mobile(value: str) -> str:
    number = normalise_mobile(value)
    if number is None:
        raise ValueError(MOBILE_HINT)
    return number


# Stored by its Chinese name; the old English values (east, north, ...) are read as theirs.
SalesRegion = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(_sales_region),
    Field(description=_REGIONS_HINT, examples=["华东"]),
]
# A mainland mobile number; spaces, dashes and a +86 prefix are accepted and dropped.
MobilePhone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32),
    AfterValidator(_mobile),
    Field(description=MOBILE_HINT, examples=["13812345678"]),
]
Postcode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$"),
    Field(description="a six-digit postcode", examples=["200120"]),
]
# A GB/T 2260 division code: province (310000), city (310100) or district (310115).
DivisionCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$"),
    Field(description="a six-digit GB/T 2260 code", examples=["310115"]),
]


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


class PlacePublic(BaseModel):
    """Where a store or stock location is by GB/T 2260 code, with the names; empty for one
    placed by `region` and `city` text alone."""

    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""


PLACE_FIELDS = tuple(PlacePublic.model_fields)


def resolve_codes(
    prefix: str, province_code: str | None, city_code: str | None, district_code: str | None
) -> Place | None:
    """The place GB/T 2260 codes name (None when none is given); refused naming the field
    (`prefix` + field) when a code is unknown or the codes do not nest."""
    if not (province_code or city_code or district_code):
        return None
    try:
        return resolve(province_code or "", city_code or "", district_code or "")
    except DivisionError as e:
        raise InvalidArgument("unknown place", [FieldError(prefix + e.field, e.message)]) from e


def check_region(prefix: str, place: Place, region: str | None) -> str:
    """The place's sales region; a region given too must be the same one."""
    if region is not None and region != place.region:
        message = f"{place.province.name} is in {place.region}, not {region}"
        raise InvalidArgument("inconsistent place", [FieldError(prefix + "region", message)])
    return place.region
