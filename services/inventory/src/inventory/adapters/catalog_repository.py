"""Locations and products (the item master) in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chainkit.clock import utcnow
from chainkit.errors import AlreadyExists
from inventory.adapters.tables import location_t, product_t
from inventory.domain.model import Location, LocationKind, Product

# 0005: where a location is by GB/T 2260 code.
PLACE_COLUMNS = ("province_code", "province", "city_code", "district_code", "district")


def _location(row: Any) -> Location:
    return Location(
        location_id=row.location_id,
        name=row.name,
        kind=LocationKind(row.kind),
        region=row.region,
        city=row.city,
        priority=row.priority,
        share_online=bool(row.share_online),
        lat=row.lat,
        lon=row.lon,
        **{name: getattr(row, name) for name in PLACE_COLUMNS},
    )


def _product(row: Any) -> Product:
    return Product(
        sku=row.sku,
        name=row.name,
        category=row.category,
        price=row.price,
        weight_g=row.weight_g,
        currency=row.currency,
        barcode=row.barcode or "",
        spec=row.spec,
    )


class SqlLocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, location: Location) -> None:
        try:
            await self._session.execute(
                insert(location_t).values(
                    location_id=location.location_id,
                    name=location.name,
                    kind=location.kind.value,
                    region=location.region,
                    city=location.city,
                    priority=location.priority,
                    share_online=location.share_online,
                    lat=location.lat,
                    lon=location.lon,
                    created_at=utcnow(),
                    **{name: getattr(location, name) for name in PLACE_COLUMNS},
                )
            )
        except IntegrityError as e:
            raise AlreadyExists(f"location {location.location_id!r} already exists") from e

    async def get(self, location_id: str) -> Location | None:
        result = await self._session.execute(
            select(location_t).where(location_t.c.location_id == location_id)
        )
        row = result.first()
        return _location(row) if row else None

    async def list(self, after: str = "", limit: int = 0) -> list[Location]:
        query = (
            select(location_t)
            .where(location_t.c.location_id > after)
            .order_by(location_t.c.location_id)
        )
        result = await self._session.execute(query.limit(limit) if limit else query)
        return [_location(row) for row in result]


class SqlProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, product: Product) -> None:
        now = utcnow()
        try:
            await self._session.execute(
                insert(product_t).values(
                    sku=product.sku,
                    name=product.name,
                    category=product.category,
                    price=product.price,
                    currency=product.currency,
                    weight_g=product.weight_g,
                    barcode=product.barcode or None,
                    spec=product.spec,
                    created_at=now,
                    updated_at=now,
                )
            )
        except IntegrityError as e:
            raise AlreadyExists(
                f"product {product.sku!r} or barcode {product.barcode!r} already exists"
                if product.barcode
                else f"product {product.sku!r} already exists"
            ) from e

    async def get(self, sku: str) -> Product | None:
        found = await self.get_many([sku])
        return found.get(sku)

    async def save(self, product: Product) -> None:
        try:
            await self._session.execute(
                update(product_t)
                .where(product_t.c.sku == product.sku)
                .values(
                    name=product.name,
                    category=product.category,
                    price=product.price,
                    weight_g=product.weight_g,
                    barcode=product.barcode or None,
                    spec=product.spec,
                    updated_at=utcnow(),
                )
            )
        except IntegrityError as e:
            raise AlreadyExists(f"barcode {product.barcode!r} belongs to another product") from e

    async def by_barcode(self, barcode: str) -> Product | None:
        result = await self._session.execute(
            select(product_t).where(product_t.c.barcode == barcode)
        )
        row = result.first()
        return _product(row) if row else None

    async def get_many(self, skus: Sequence[str]) -> dict[str, Product]:
        if not skus:
            return {}
        result = await self._session.execute(
            select(product_t).where(product_t.c.sku.in_(list(set(skus))))
        )
        return {row.sku: _product(row) for row in result}

    async def page(self, after_sku: str, limit: int) -> list[Product]:
        # Keyset pagination on the primary key: flat cost however deep the page.
        result = await self._session.execute(
            select(product_t)
            .where(product_t.c.sku > after_sku)
            .order_by(product_t.c.sku)
            .limit(limit)
        )
        return [_product(row) for row in result]
