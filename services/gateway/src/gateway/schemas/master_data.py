"""Stores, stock locations and products (head-office master data)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chainkit.errors import FieldError, InvalidArgument
from gateway.schemas.common import (
    Amount,
    CarrierCode,
    Id,
    Lat,
    Lon,
    SalesRegion,
    ServiceLevel,
    Text,
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


class StoreCreate(StoreSettings):
    store_id: Id
    name: Text
    region: SalesRegion
    city: Text
    kind: StoreKind
    location_id: Id


class StoreUpdate(StoreSettings):
    name: Text | None = None
    region: SalesRegion | None = None
    city: Text | None = None


class StorePublic(BaseModel):
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


class LocationCreate(BaseModel):
    location_id: Id
    name: Text
    kind: LocationKind
    region: SalesRegion
    city: Text
    priority: Annotated[int, Field(strict=True, ge=0, le=1_000_000)] = 0
    lat: Lat | None = None
    lon: Lon | None = None
    # Unset: warehouses share with online orders, store locations do not.
    share_online: bool | None = None

    def check(self) -> None:
        if (self.lat is None) != (self.lon is None):
            field = "lon" if self.lon is None else "lat"
            raise InvalidArgument("invalid location", [FieldError(field, "give lat and lon")])


class LocationPublic(BaseModel):
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
