"""Request validation rules: every problem is reported with the field that caused it."""

from __future__ import annotations

from collections.abc import Sequence

from chainkit.errors import FieldError, InvalidArgument
from inventory.domain.barcode import barcode_problem
from inventory.domain.model import CURRENCY, Location, Product, ProductPatch, SkuQty

MAX_ID = 64
MAX_TEXT = 200
MAX_QTY = 1_000_000
MAX_LINES = 500
MAX_PRICE = 10**12  # minor units; keeps totals far from int64 overflow
MAX_WEIGHT_G = 10**7
MAX_SPEC = 100


class Errors:
    """Collects field errors, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldError(field, message))

    def require_id(self, field: str, value: str) -> None:
        if not value.strip():
            self.add(field, "is required")
        elif len(value) > MAX_ID:
            self.add(field, f"must be at most {MAX_ID} characters")
        elif value != value.strip():
            self.add(field, "must not start or end with spaces")

    def require_text(self, field: str, value: str, *, required: bool = True) -> None:
        if required and not value.strip():
            self.add(field, "is required")
        elif len(value) > MAX_TEXT:
            self.add(field, f"must be at most {MAX_TEXT} characters")

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            raise InvalidArgument(f"{first.field}: {first.message}{more}", list(self.items))


def check_lines(errors: Errors, lines: Sequence[SkuQty], field: str = "lines") -> None:
    if not lines:
        errors.add(field, "at least one line is required")
        return
    if len(lines) > MAX_LINES:
        errors.add(field, f"at most {MAX_LINES} lines")
    seen: set[str] = set()
    for i, line in enumerate(lines):
        errors.require_id(f"{field}[{i}].sku", line.sku)
        if line.sku in seen:
            errors.add(f"{field}[{i}].sku", f"duplicate SKU {line.sku!r}; combine the lines")
        seen.add(line.sku)
        if line.qty <= 0:
            errors.add(f"{field}[{i}].qty", "must be positive")
        elif line.qty > MAX_QTY:
            errors.add(f"{field}[{i}].qty", f"must be at most {MAX_QTY}")


def check_location(
    errors: Errors, loc: Location, prefix: str = "location", *, by_code: bool = False
) -> None:
    """`by_code`: placed by GB/T 2260 codes, whose region follows from them (or whose bad
    code is reported on its own field)."""
    errors.require_id(f"{prefix}.location_id", loc.location_id)
    errors.require_text(f"{prefix}.name", loc.name)
    if not by_code:
        errors.require_id(f"{prefix}.region", loc.region)
    errors.require_text(f"{prefix}.city", loc.city, required=False)
    if loc.priority < 0:
        errors.add(f"{prefix}.priority", "must not be negative")
    if loc.lat is not None and not -90.0 <= loc.lat <= 90.0:
        errors.add(f"{prefix}.point.lat", "must be between -90 and 90")
    if loc.lon is not None and not -180.0 <= loc.lon <= 180.0:
        errors.add(f"{prefix}.point.lon", "must be between -180 and 180")


def _check_product_fields(
    errors: Errors, prefix: str, patch: ProductPatch, *, required: bool
) -> None:
    if patch.name is not None or required:
        errors.require_text(f"{prefix}name", patch.name or "")
    if patch.category is not None:
        errors.require_text(f"{prefix}category", patch.category, required=False)
    if patch.price is not None:
        if patch.price < 0:
            errors.add(f"{prefix}price", "must not be negative")
        elif patch.price > MAX_PRICE:
            errors.add(f"{prefix}price", f"must be at most {MAX_PRICE}")
    if patch.weight_g is not None:
        if patch.weight_g < 0:
            errors.add(f"{prefix}weight_g", "must not be negative")
        elif patch.weight_g > MAX_WEIGHT_G:
            errors.add(f"{prefix}weight_g", f"must be at most {MAX_WEIGHT_G}")
    if patch.barcode:
        problem = barcode_problem(patch.barcode)
        if problem:
            errors.add(f"{prefix}barcode", problem)
    if patch.spec is not None and len(patch.spec) > MAX_SPEC:
        errors.add(f"{prefix}spec", f"must be at most {MAX_SPEC} characters")


def check_product(errors: Errors, product: Product, prefix: str = "product") -> None:
    errors.require_id(f"{prefix}.sku", product.sku)
    fields = ProductPatch(
        product.name,
        product.category,
        product.price,
        product.weight_g,
        product.barcode,
        product.spec,
    )
    _check_product_fields(errors, f"{prefix}.", fields, required=True)
    if product.currency != CURRENCY:
        errors.add(f"{prefix}.price.currency", f"must be {CURRENCY}")


def check_product_patch(errors: Errors, patch: ProductPatch) -> None:
    _check_product_fields(errors, "", patch, required=False)
