"""Inventory entities: locations, products, stock levels, ledger movements. Pure Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CURRENCY = "CNY"


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"


@dataclass(frozen=True)
class Location:
    location_id: str
    name: str
    kind: LocationKind
    region: str
    city: str
    priority: int
    share_online: bool
    lat: float | None = None
    lon: float | None = None
    # GB/T 2260 codes and names; "" for a location placed by region and city text alone.
    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""

    @staticmethod
    def default_share_online(kind: LocationKind) -> bool:
        """Warehouses serve online orders; a store's shelf does unless told otherwise not."""
        return kind is LocationKind.WAREHOUSE


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: int  # minor units (fen)
    weight_g: int
    currency: str = CURRENCY
    # EAN-13 printed on the pack, unique in the chain; "" when it has none.
    barcode: str = ""
    # The specification (规格) a shelf label and a receipt show: "500ml", "250g x 2".
    spec: str = ""


@dataclass(frozen=True)
class ProductPatch:
    name: str | None = None
    category: str | None = None
    price: int | None = None
    weight_g: int | None = None
    barcode: str | None = None  # "" removes it
    spec: str | None = None

    def apply(self, product: Product) -> Product:
        return Product(
            sku=product.sku,
            name=product.name if self.name is None else self.name,
            category=product.category if self.category is None else self.category,
            price=product.price if self.price is None else self.price,
            weight_g=product.weight_g if self.weight_g is None else self.weight_g,
            currency=product.currency,
            barcode=product.barcode if self.barcode is None else self.barcode,
            spec=product.spec if self.spec is None else self.spec,
        )


@dataclass(frozen=True)
class SkuQty:
    sku: str
    qty: int


@dataclass(frozen=True)
class StockLevel:
    """Invariant (held by the database): 0 <= reserved <= on_hand."""

    sku: str
    location_id: str
    on_hand: int
    reserved: int
    low_stock_threshold: int = 0
    low_stock: bool = False  # the alert flag: set on falling to the threshold, cleared above
    in_transit: int = 0  # units on their way here by open transfers (not in on_hand yet)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"
    COMMIT = "commit"  # reserved units leave on-hand (paid, to be shipped)
    SALE = "sale"
    RETURN = "return"  # committed units put back on-hand (cancelled after payment)
    ADJUSTMENT = "adjustment"  # counted corrections, and reconciliation repairs
    TRANSFER_OUT = "transfer_out"  # shipped to another location: in transit from here
    TRANSFER_IN = "transfer_in"  # received from a transfer


@dataclass(frozen=True)
class Movement:
    """One ledger line: every stock change writes one, with its deltas."""

    sku: str
    location_id: str
    kind: MovementKind
    reference: str
    on_hand_delta: int
    reserved_delta: int
    actor: str = ""
    reason: str = ""


@dataclass(frozen=True)
class MovementRecord:
    """A ledger line as stored: with its id (the keyset) and time."""

    movement_id: int
    movement: Movement
    created_at: datetime


@dataclass(frozen=True)
class Sale:
    sale_id: str
    location_id: str
    lines: tuple[SkuQty, ...]


def totals(lines: Iterable[SkuQty]) -> dict[str, int]:
    """Quantity per SKU."""
    out: dict[str, int] = {}
    for line in lines:
        out[line.sku] = out.get(line.sku, 0) + line.qty
    return out
