"""Orders: what clients send and the order body they get back (docs/api-conventions.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chainkit.errors import FieldError, InvalidArgument
from gateway.schemas.common import (
    Amount,
    CarrierCode,
    DivisionCode,
    Id,
    Lat,
    Lon,
    MobilePhone,
    Postcode,
    SalesRegion,
    ServiceLevel,
    SkuQtyIn,
    Text,
    check_region,
    resolve_codes,
)

Channel = Literal["online", "pos"]
OrderStatus = Literal["pending_payment", "paid", "shipped", "completed", "cancelled"]
PaymentMethod = Literal["cash", "card", "wechat_pay", "alipay"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
PaymentReference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64, pattern=r"^$|^[A-Za-z0-9][\w-]*$"),
    Field(
        description="the payment method's transaction reference (WeChat Pay transaction_id, "
        "Alipay trade_no, card terminal reference); empty for cash",
        examples=["4200001234202612041234567890"],
    ),
]


class AddressIn(BaseModel):
    """A mainland address. With GB/T 2260 codes (the district's alone is enough) the
    province, city and district names and the sales region come from the division table;
    without them, `region` and `city` are required as before."""

    name: Text
    phone: MobilePhone
    province_code: DivisionCode | None = None
    city_code: DivisionCode | None = None
    district_code: DivisionCode | None = None
    region: SalesRegion | None = None
    city: Text | None = None
    line1: Text
    postcode: Postcode | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    # Filled in from the codes.
    province: str = Field(default="", exclude=True)
    district: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _place(self) -> AddressIn:
        """Names and region from the codes; refused with the field at fault (both order
        bodies call the address `shipping_address`)."""
        where = "shipping_address."
        place = resolve_codes(where, self.province_code, self.city_code, self.district_code)
        if place is None:
            missing = [f for f in ("region", "city") if getattr(self, f) is None]
            if missing:
                hint = "required (or give province_code, city_code, district_code)"
                errors = [FieldError(f"{where}{f}", hint) for f in missing]
                raise InvalidArgument("incomplete address", errors)
            return self
        self.region = check_region(where, place, self.region)
        self.province_code, self.province = place.province.code, place.province.name
        if place.city is not None:
            self.city_code, self.city = place.city.code, place.city.name
        if place.district is not None:
            self.district_code, self.district = place.district.code, place.district.name
        if self.city is None:
            errors = [FieldError(f"{where}city_code", "required")]
            raise InvalidArgument("incomplete address", errors)
        return self


class PaymentIn(BaseModel):
    method: PaymentMethod
    amount: Amount
    reference: PaymentReference = ""


class OrderCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "store_id": "S001",
                    "channel": "online",
                    "lines": [{"sku": "TEA-001", "qty": 2}, {"sku": "SNK-002", "qty": 1}],
                    "shipping_address": {
                        "name": "李雷",
                        "phone": "13812345678",
                        "district_code": "310101",
                        "line1": "南京东路 100 号 5 楼",
                        "postcode": "200001",
                    },
                },
                {
                    "store_id": "S001",
                    "customer_id": "walk-in",
                    "channel": "pos",
                    "lines": [{"sku": "DRK-002", "qty": 2}],
                    "payment": {
                        "method": "wechat_pay",
                        "amount": 2580,
                        "reference": "4200001234202612050012345678",
                    },
                },
            ]
        }
    )

    store_id: Id | None = Field(default=None, description="store staff: defaults to their own")
    customer_id: Id | None = Field(default=None, description="customers: always their own")
    channel: Channel
    lines: list[SkuQtyIn] = Field(min_length=1, max_length=200)
    shipping_address: AddressIn | None = None
    payment: PaymentIn | None = None

    def check(self) -> None:
        """Cross-field rules pydantic's per-field validation cannot state."""
        errors = []
        if self.channel == "online" and self.shipping_address is None:
            errors.append(FieldError("shipping_address", "required for online orders"))
        if self.channel == "pos" and self.payment is None:
            errors.append(FieldError("payment", "required for pos orders"))
        if self.channel == "online" and self.payment is not None:
            errors.append(FieldError("payment", "online orders are paid with /pay"))
        address = self.shipping_address
        if address is not None and (address.lat is None) != (address.lon is None):
            errors.append(FieldError("shipping_address.lat", "give lat and lon"))
        if errors:
            raise InvalidArgument("invalid order", errors)


class PayIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"method": "alipay", "amount": 27890, "reference": "2026120522001412345678901234"}
            ]
        }
    )

    method: PaymentMethod
    amount: Amount
    reference: PaymentReference = ""


class CancelIn(BaseModel):
    reason: Reason = ""


class ShipIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"service_level": "express"}, {"carrier": "swift"}]}
    )

    # Staff override; empty lets the rules and the store's preferred carrier choose.
    carrier: CarrierCode = ""
    # Unset: the store's service level.
    service_level: ServiceLevel | None = None


class AddressChange(BaseModel):
    """PATCH /v1/orders/{id}: correct the shipping address before the order ships."""

    shipping_address: AddressIn
    reason: Reason = ""


class TimelineEntryPublic(BaseModel):
    at: datetime | None
    # The status after the step (unchanged by confirmed / address_corrected / delivered).
    status: OrderStatus
    from_status: OrderStatus | None
    action: str
    actor: str
    reason: str


class OrderLinePublic(BaseModel):
    sku: str
    name: str
    # The specification (规格) when it was ordered; "" when the product had none.
    spec: str = ""
    category: str
    qty: int
    unit_price: int
    amount: int


class AddressPublic(BaseModel):
    name: str
    phone: str
    region: str
    city: str
    line1: str
    lat: float | None = None
    lon: float | None = None
    # GB/T 2260 codes and names; empty for addresses stored before codes existed.
    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""
    postcode: str = ""


class AllocationPublic(BaseModel):
    location_id: str
    sku: str
    qty: int
    # Why inventory chose this location (rule and facts), for people to read.
    reason: str


class PaymentPublic(BaseModel):
    method: str
    amount: int
    reference: str = ""


class OrderShipmentPublic(BaseModel):
    shipment_id: str
    location_id: str
    carrier: str
    waybill_no: str
    delivered: bool


class OrderPublic(BaseModel):
    order_id: str
    order_no: str
    store_id: str
    customer_id: str | None
    channel: Channel
    status: OrderStatus
    lines: list[OrderLinePublic]
    total: int
    currency: str
    shipping_address: AddressPublic | None
    allocations: list[AllocationPublic]
    payment_due_at: datetime | None
    created_at: datetime | None
    paid_at: datetime | None
    confirmed_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    payment: PaymentPublic | None
    shipments: list[OrderShipmentPublic]
    timeline: list[TimelineEntryPublic] = []
    # The business time zone of the order (the date in order_no) and its deadline in it.
    time_zone: str = "Asia/Shanghai"
    payment_due_local: datetime | None = Field(
        default=None, description="payment_due_at in the order's business time zone"
    )
