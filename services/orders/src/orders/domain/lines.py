"""What a customer asks for, and the priced lines an order is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chainkit.errors import Conflict, FieldError, InvalidArgument

CURRENCY = "CNY"
# More lines or units than this is a mistake or abuse, not an order.
MAX_LINES = 100
MAX_QTY = 10_000


@dataclass(frozen=True)
class LineRequest:
    sku: str
    qty: int


@dataclass(frozen=True)
class ProductInfo:
    """The item master facts an order line copies at the time of ordering."""

    sku: str
    name: str
    category: str
    unit_price: int
    currency: str
    weight_g: int
    spec: str = ""  # 规格, as the item master has it


@dataclass(frozen=True)
class OrderLine:
    sku: str
    name: str
    category: str
    qty: int
    unit_price: int
    amount: int
    weight_g: int
    # The specification (规格) at the time of ordering; "" for lines ordered before it was kept.
    spec: str = ""


@dataclass(frozen=True)
class UnknownSkus:
    """Details of a refusal naming the SKUs the catalogue does not have."""

    skus: tuple[str, ...]


@dataclass(frozen=True)
class StockShortfall:
    """Details of a refusal for lack of stock: what could be had, per SKU."""

    available: tuple[tuple[str, int], ...]


def validate_line_requests(lines: Sequence[LineRequest]) -> list[FieldError]:
    if not lines:
        return [FieldError("lines", "at least one line is required")]
    if len(lines) > MAX_LINES:
        return [FieldError("lines", f"at most {MAX_LINES} lines")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if not line.sku.strip():
            errors.append(FieldError(f"lines[{i}].sku", "is required"))
        elif line.sku in seen:
            errors.append(FieldError(f"lines[{i}].sku", f"{line.sku} appears more than once"))
        seen.add(line.sku)
        if not 0 < line.qty <= MAX_QTY:
            errors.append(FieldError(f"lines[{i}].qty", f"must be between 1 and {MAX_QTY}"))
    return errors


def price_lines(
    requests: Sequence[LineRequest], products: Mapping[str, ProductInfo]
) -> list[OrderLine]:
    """Order lines at today's item master prices; an unknown SKU names its line."""
    unknown = [
        FieldError(f"lines[{i}].sku", f"unknown SKU {r.sku}")
        for i, r in enumerate(requests)
        if r.sku not in products
    ]
    if unknown:
        raise InvalidArgument("unknown SKU", unknown)
    lines = []
    for r in requests:
        p = products[r.sku]
        if p.currency and p.currency != CURRENCY:
            raise Conflict(f"{p.sku} is priced in {p.currency}; orders are in {CURRENCY}")
        lines.append(
            OrderLine(
                sku=p.sku,
                name=p.name,
                category=p.category,
                qty=r.qty,
                unit_price=p.unit_price,
                amount=p.unit_price * r.qty,
                weight_g=p.weight_g,
                spec=p.spec,
            )
        )
    return lines
