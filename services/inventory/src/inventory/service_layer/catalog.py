"""Use cases of the item master: locations and products."""

from __future__ import annotations

from collections.abc import Sequence

from chainkit.china.divisions import DivisionError
from chainkit.china.places import CODE_FIELDS, Located, locate
from chainkit.china.regions import region_or_as_is
from chainkit.errors import AlreadyExists, NotFound
from inventory.domain.barcode import barcode_problem
from inventory.domain.errors import UnknownProducts
from inventory.domain.model import Location, LocationKind, Product, ProductPatch
from inventory.domain.validation import Errors, check_location, check_product, check_product_patch
from inventory.service_layer.commands import NewLocation
from inventory.service_layer.deps import Deps
from inventory.service_layer.ports import UnitOfWork

DEFAULT_PAGE = 20
MAX_PAGE = 200


def _located(errors: Errors, new: NewLocation) -> Located:
    try:
        return locate(
            region=new.region,
            city=new.city,
            province_code=new.province_code,
            city_code=new.city_code,
            district_code=new.district_code,
        )
    except DivisionError as e:
        errors.add(f"location.{e.field}", e.message)
        return Located(region=region_or_as_is(new.region), city=new.city)


async def create_location(deps: Deps, new: NewLocation) -> Location:
    errors = Errors()
    kind = LocationKind.WAREHOUSE
    if new.kind in tuple(LocationKind):
        kind = LocationKind(new.kind)
    else:
        errors.add("location.kind", "must be warehouse or store")
    share = Location.default_share_online(kind) if new.share_online is None else new.share_online
    location = Location(
        location_id=new.location_id,
        name=new.name,
        kind=kind,
        priority=new.priority,
        share_online=share,
        lat=new.lat,
        lon=new.lon,
        **vars(_located(errors, new)),  # east is stored as 华东
    )
    check_location(errors, location, by_code=any(getattr(new, f) for f in CODE_FIELDS))
    errors.raise_if_any()
    async with deps.uow() as uow:
        await uow.locations.add(location)
        await uow.commit()
    return location


def check_page_limit(limit: int) -> None:
    """0 (everything, for callers that predate paging) up to MAX_PAGE."""
    errors = Errors()
    if not 0 <= limit <= MAX_PAGE:
        errors.add("page.limit", f"must be between 0 and {MAX_PAGE}")
    errors.raise_if_any()


async def list_locations(
    deps: Deps, *, after: str = "", limit: int = 0
) -> tuple[list[Location], str]:
    """Locations by id after `after`, and the id to continue after ("" on the last page)."""
    check_page_limit(limit)
    async with deps.reader() as uow:
        items = await uow.locations.list(after, limit + 1 if limit else 0)
    if not limit or len(items) <= limit:
        return items, ""
    return items[:limit], items[limit - 1].location_id


async def _barcode_free(uow: UnitOfWork, product: Product) -> None:
    """A barcode names one product: a till scanning it must find exactly one."""
    if product.barcode:
        owner = await uow.products.by_barcode(product.barcode)
        if owner is not None and owner.sku != product.sku:
            raise AlreadyExists(f"barcode {product.barcode} is already product {owner.sku!r}")


async def create_product(deps: Deps, product: Product) -> Product:
    errors = Errors()
    check_product(errors, product)
    errors.raise_if_any()
    async with deps.uow() as uow:
        await _barcode_free(uow, product)
        await uow.products.add(product)
        await uow.commit()
    return product


async def update_product(deps: Deps, sku: str, patch: ProductPatch) -> Product:
    errors = Errors()
    errors.require_id("sku", sku)
    check_product_patch(errors, patch)
    errors.raise_if_any()
    async with deps.uow() as uow:
        current = await uow.products.get(sku)
        if current is None:
            raise NotFound(f"product {sku!r} not found")
        updated = patch.apply(current)
        await _barcode_free(uow, updated)
        await uow.products.save(updated)
        await uow.commit()
    return updated


async def get_product(deps: Deps, sku: str) -> Product:
    errors = Errors()
    errors.require_id("sku", sku)
    errors.raise_if_any()
    async with deps.reader() as uow:
        product = await uow.products.get(sku)
    if product is None:
        raise NotFound(f"product {sku!r} not found")
    return product


async def product_by_barcode(deps: Deps, barcode: str) -> Product:
    """The product a till scanned; NOT_FOUND when no product carries the code."""
    errors = Errors()
    problem = barcode_problem(barcode)
    if problem:
        errors.add("barcode", problem)
    errors.raise_if_any()
    async with deps.reader() as uow:
        product = await uow.products.by_barcode(barcode)
    if product is None:
        raise NotFound(f"no product has barcode {barcode}")
    return product


async def list_products(deps: Deps, *, after_sku: str, limit: int) -> tuple[list[Product], str]:
    """One page of products by SKU, and the SKU to continue after ("" on the last page)."""
    errors = Errors()
    if limit < 0:
        errors.add("page.limit", "must not be negative")
    errors.raise_if_any()
    size = min(limit or DEFAULT_PAGE, MAX_PAGE)
    async with deps.reader() as uow:
        items = await uow.products.page(after_sku, size + 1)
    more = len(items) > size
    items = items[:size]
    return items, (items[-1].sku if more else "")


async def batch_get_products(deps: Deps, skus: Sequence[str]) -> list[Product]:
    """The products in request order (duplicates once); NOT_FOUND names unknown SKUs."""
    errors = Errors()
    for i, sku in enumerate(skus):
        errors.require_id(f"skus[{i}]", sku)
    errors.raise_if_any()
    wanted = list(dict.fromkeys(skus))
    async with deps.reader() as uow:
        found = await uow.products.get_many(wanted)
    missing = [sku for sku in wanted if sku not in found]
    if missing:
        raise UnknownProducts(missing)
    return [found[sku] for sku in wanted]
