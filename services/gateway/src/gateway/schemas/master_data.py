"""Stores, stock locations and products (head-office master data)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from chainkit.errors import FieldError, InvalidArgument
from gateway.schemas.common import (
    Amount,
    CarrierCode,
    DivisionCode,
    Id,
    Lat,
    Lon,
    PlacePublic,
    SalesRegion,
    ServiceLevel,
    Text,
    check_region,
    resolve_codes,
)

StoreKind = Literal["direct", "franchise"]
AllocationStrategy = Literal["region_priority", "nearest", "fewest_shipments"]
LocationKind = Literal["warehouse", "store"]
PaymentTimeout = Annotated[int, Field(strict=True, gt=0, le=30 * 86400)]
Weight = Annotated[int, Field(strict=True, ge=0, le=10**8, description="grams")]


def ean13(code: str) -> str:
    """The EAN-13 check digit rule (inventory checks it too; here for a 422 on `barcode`)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    if (10 - total % 10) % 10 != int(code[12]):
        raise ValueError("the EAN-13 check digit is wrong")
    return code


Barcode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{13}$"),
    AfterValidator(ean13),
    Field(description="EAN-13 on the pack, check digit validated", examples=["6901234567892"]),
]
Spec = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100),
    Field(description="specification (规格) for shelf labels and receipts", examples=["500ml"]),
]
# An IANA zone name; whether it exists is the orders service's check.
TimeZone = Annotated[
    str,
    Field(
        max_length=64,
        pattern=r"^$|^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
        description="IANA time zone of the store's business days; empty = the chain's",
        examples=["Asia/Urumqi"],
    ),
]


class StoreSettings(BaseModel):
    payment_timeout_s: PaymentTimeout | None = None
    auto_confirm: bool | None = None
    share_stock_online: bool | None = None
    allocation_strategy: AllocationStrategy | None = None
    # Shipped with this carrier when it serves the parcel and meets the level; "" = none.
    preferred_carrier: CarrierCode | None = None
    service_level: ServiceLevel | None = None
    # Business days (order numbers, daily sales) in this zone instead of the chain's.
    time_zone: TimeZone | None = None


class PlaceCodes(BaseModel):
    """Where a store or location is: GB/T 2260 codes (the district's alone is enough) give
    its province, city and district names and its sales region, kept with the codes; without
    them `region` and `city` are given as text."""

    province_code: DivisionCode | None = None
    city_code: DivisionCode | None = None
    district_code: DivisionCode | None = None

    def _place(self, region: str | None, city: str | None) -> tuple[str | None, str | None]:
        place = resolve_codes("", self.province_code, self.city_code, self.district_code)
        if place is None:
            return region, city
        return check_region("", place, region), place.city.name if place.city else city


class StoreCreate(StoreSettings, PlaceCodes):
    store_id: Id
    name: Text
    region: SalesRegion | None = None
    city: Text | None = None
    kind: StoreKind
    location_id: Id

    @model_validator(mode="after")
    def _codes(self) -> StoreCreate:
        self.region, self.city = self._place(self.region, self.city)
        missing = [f for f in ("region", "city") if getattr(self, f) is None]
        if missing:
            hint = "required (or give province_code, city_code, district_code)"
            raise InvalidArgument("invalid store", [FieldError(f, hint) for f in missing])
        return self


class StoreUpdate(StoreSettings, PlaceCodes):
    """Codes move the store (names, city and region follow); a different `region` or `city`
    without codes places it by text and clears its codes."""

    name: Text | None = None
    region: SalesRegion | None = None
    city: Text | None = None

    @model_validator(mode="after")
    def _codes(self) -> StoreUpdate:
        if self.province_code or self.city_code or self.district_code:
            self.region, self.city = self._place(self.region, self.city)
        return self


class StorePublic(PlacePublic):
    store_id: str
    name: str
    region: str
    city: str
    kind: StoreKind
    location_id: str
    payment_timeout_s: int
    auto_confirm: bool
    share_stock_online: bool
    allocation_strategy: str
    preferred_carrier: str = ""
    service_level: str = "standard"
    # Empty: the chain's business time zone (Asia/Shanghai unless configured).
    time_zone: str = ""


class LocationCreate(PlaceCodes):
    location_id: Id
    name: Text
    kind: LocationKind
    region: SalesRegion | None = None
    city: Text | None = None
    priority: Annotated[int, Field(strict=True, ge=0, le=1_000_000)] = 0
    lat: Lat | None = None
    lon: Lon | None = None
    # Unset: warehouses share with online orders, store locations do not.
    share_online: bool | None = None

    @model_validator(mode="after")
    def _codes(self) -> LocationCreate:
        self.region, self.city = self._place(self.region, self.city)
        missing = [f for f in ("region", "city") if getattr(self, f) is None]
        if missing:
            hint = "required (or give province_code, city_code, district_code)"
            raise InvalidArgument("invalid location", [FieldError(f, hint) for f in missing])
        return self

    def check(self) -> None:
        if (self.lat is None) != (self.lon is None):
            field = "lon" if self.lon is None else "lat"
            raise InvalidArgument("invalid location", [FieldError(field, "give lat and lon")])


class LocationPublic(PlacePublic):
    location_id: str
    name: str
    kind: LocationKind
    region: str
    city: str
    priority: int
    lat: float | None
    lon: float | None
    share_online: bool


class ProductCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "DRK-003",
                    "name": "酸梅汤",
                    "category": "drinks",
                    "price": 590,
                    "weight_g": 520,
                    "barcode": "6920000001439",
                    "spec": "500ml",
                }
            ]
        }
    )

    sku: Id
    name: Text
    category: Text
    price: Amount
    currency: Literal["CNY"] = "CNY"
    weight_g: Weight
    barcode: Barcode | None = None
    spec: Spec = ""


class ProductUpdate(BaseModel):
    name: Text | None = None
    category: Text | None = None
    price: Amount | None = None
    weight_g: Weight | None = None
    # "" removes the barcode.
    barcode: Barcode | Literal[""] | None = None
    spec: Spec | None = None


class ProductPublic(BaseModel):
    sku: str
    name: str
    category: str
    price: int
    currency: str
    weight_g: int
    barcode: str | None = None
    spec: str = ""
