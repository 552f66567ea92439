"""Value objects an order is made of: address, payment, allocations, shipments, packages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chainkit.china.regions import region_of_province, region_or_as_is
from chainkit.errors import FieldError, InvalidArgument

PAYMENT_METHODS = frozenset({"cash", "card", "wechat_pay", "alipay"})
# A payment provider's transaction id (WeChat Pay transaction_id, Alipay trade_no, a card
# terminal's reference): letters, digits, - and _, as the provider printed it.
PAYMENT_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Address:
    name: str
    phone: str
    region: str  # sales region (华东, ...); from the province when codes are given
    city: str
    line1: str
    lat: float | None = None
    lon: float | None = None
    # GB/T 2260 codes and names (the gateway resolves them); "" for older addresses.
    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""
    postcode: str = ""

    def __post_init__(self) -> None:
        # An old English region (east) is stored as its sales region (华东).
        region = region_or_as_is(self.region) or region_of_province(self.province_code)
        object.__setattr__(self, "region", region)

    def errors(self, prefix: str = "shipping_address") -> list[FieldError]:
        required = {"name": self.name, "phone": self.phone, "region": self.region}
        required |= {"city": self.city, "line1": self.line1}
        return [FieldError(f"{prefix}.{k}", "is required") for k, v in required.items() if not v]


@dataclass(frozen=True)
class Payment:
    method: str
    amount: int
    # The payment method's transaction reference; "" when there is none (cash).
    reference: str = ""


@dataclass(frozen=True)
class Allocation:
    location_id: str
    sku: str
    qty: int
    reason: str = ""


@dataclass
class Shipment:
    shipment_id: str
    location_id: str
    carrier: str
    waybill_no: str
    delivered_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


@dataclass(frozen=True)
class Package:
    """What leaves one source location: its lines and their weight."""

    location_id: str
    lines: tuple[tuple[str, int], ...]
    weight_g: int
    origin_region: str = ""  # where it leaves from, when orders knows (logistics routes by it)


def check_payment(payment: Payment, total: int, field_prefix: str = "payment") -> None:
    errors = []
    if payment.method not in PAYMENT_METHODS:
        allowed = ", ".join(sorted(PAYMENT_METHODS))
        errors.append(FieldError(f"{field_prefix}.method", f"must be one of {allowed}"))
    if payment.amount != total:
        errors.append(FieldError(f"{field_prefix}.amount", f"must equal the order total {total}"))
    if payment.reference and not PAYMENT_REFERENCE.fullmatch(payment.reference):
        errors.append(
            FieldError(
                f"{field_prefix}.reference",
                "up to 64 letters, digits, - or _ (the provider's transaction id)",
            )
        )
    if errors:
        raise InvalidArgument("invalid payment", errors)
