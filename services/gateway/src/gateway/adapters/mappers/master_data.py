"""Stores (orders service), locations and products (inventory service)."""

from __future__ import annotations

from chainstore.common.v1 import common_pb2
from chainstore.inventory.v1 import inventory_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers.common import invert, lookup
from gateway.schemas.common import PLACE_FIELDS
from gateway.schemas.master_data import (
    LocationCreate,
    LocationKind,
    LocationPublic,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    StoreCreate,
    StoreKind,
    StorePublic,
    StoreUpdate,
)

STORE_KINDS: dict[orders_pb2.StoreKind.ValueType, StoreKind] = {
    orders_pb2.STORE_KIND_DIRECT: "direct",
    orders_pb2.STORE_KIND_FRANCHISE: "franchise",
}
LOCATION_KINDS: dict[inventory_pb2.LocationKind.ValueType, LocationKind] = {
    inventory_pb2.LOCATION_KIND_WAREHOUSE: "warehouse",
    inventory_pb2.LOCATION_KIND_STORE: "store",
}


def store_out(store: orders_pb2.Store) -> StorePublic:
    return StorePublic(
        store_id=store.store_id,
        name=store.name,
        region=store.region,
        city=store.city,
        kind=lookup(STORE_KINDS, store.kind, "store kind"),
        location_id=store.location_id,
        payment_timeout_s=store.payment_timeout_s,
        auto_confirm=store.auto_confirm,
        share_stock_online=store.share_stock_online,
        allocation_strategy=store.allocation_strategy,
        preferred_carrier=store.preferred_carrier,
        # Stores answered by an older orders service have no level: theirs was standard.
        service_level=store.service_level or "standard",
        time_zone=store.time_zone,
        **_place_out(store),
    )


def _place_out(msg: orders_pb2.Store | inventory_pb2.Location) -> dict[str, str]:
    return {name: getattr(msg, name) for name in PLACE_FIELDS}


def create_store_request(body: StoreCreate) -> orders_pb2.CreateStoreRequest:
    request = orders_pb2.CreateStoreRequest(
        store=orders_pb2.Store(
            store_id=body.store_id,
            name=body.name,
            region=body.region or "",
            city=body.city or "",
            kind=invert(STORE_KINDS)[body.kind],
            location_id=body.location_id,
        )
    )
    _set_codes(request.store, body)
    _copy_settings(body, request)
    return request


def update_store_request(store_id: str, body: StoreUpdate) -> orders_pb2.UpdateStoreRequest:
    request = orders_pb2.UpdateStoreRequest(store_id=store_id)
    for name in ("name", "region", "city", *CODE_FIELDS):
        value = getattr(body, name)
        if value is not None:
            setattr(request, name, value)
    _copy_settings(body, request)
    return request


CODE_FIELDS = ("province_code", "city_code", "district_code")


def _set_codes(
    msg: orders_pb2.Store | inventory_pb2.Location, body: StoreCreate | LocationCreate
) -> None:
    """The codes the client gave; the service checks them again and names the place."""
    for name in CODE_FIELDS:
        setattr(msg, name, getattr(body, name) or "")


def _copy_settings(
    body: StoreCreate | StoreUpdate,
    request: orders_pb2.CreateStoreRequest | orders_pb2.UpdateStoreRequest,
) -> None:
    """Only what the client gave: unset optional fields keep the service's defaults."""
    for name in (
        "payment_timeout_s",
        "auto_confirm",
        "share_stock_online",
        "allocation_strategy",
        "preferred_carrier",
        "service_level",
        "time_zone",
    ):
        value = getattr(body, name)
        if value is not None:
            setattr(request, name, value)


def location_out(location: inventory_pb2.Location) -> LocationPublic:
    point = location.point if location.HasField("point") else None
    return LocationPublic(
        location_id=location.location_id,
        name=location.name,
        kind=lookup(LOCATION_KINDS, location.kind, "location kind"),
        region=location.region,
        city=location.city,
        priority=location.priority,
        lat=point.lat if point is not None else None,
        lon=point.lon if point is not None else None,
        share_online=location.share_online,
        **_place_out(location),
    )


def create_location_request(body: LocationCreate) -> inventory_pb2.CreateLocationRequest:
    location = inventory_pb2.Location(
        location_id=body.location_id,
        name=body.name,
        kind=invert(LOCATION_KINDS)[body.kind],
        region=body.region or "",
        city=body.city or "",
        priority=body.priority,
    )
    _set_codes(location, body)
    if body.lat is not None and body.lon is not None:
        location.point.CopyFrom(common_pb2.GeoPoint(lat=body.lat, lon=body.lon))
    request = inventory_pb2.CreateLocationRequest(location=location)
    if body.share_online is not None:
        request.share_online = body.share_online
    return request


def product_out(product: inventory_pb2.Product) -> ProductPublic:
    return ProductPublic(
        sku=product.sku,
        name=product.name,
        category=product.category,
        price=product.price.amount,
        currency=product.price.currency or "CNY",
        weight_g=product.weight_g,
        barcode=product.barcode or None,
        spec=product.spec,
    )


def create_product_request(body: ProductCreate) -> inventory_pb2.CreateProductRequest:
    return inventory_pb2.CreateProductRequest(
        product=inventory_pb2.Product(
            sku=body.sku,
            name=body.name,
            category=body.category,
            price=common_pb2.Money(amount=body.price, currency=body.currency),
            weight_g=body.weight_g,
            barcode=body.barcode or "",
            spec=body.spec,
        )
    )


def update_product_request(sku: str, body: ProductUpdate) -> inventory_pb2.UpdateProductRequest:
    request = inventory_pb2.UpdateProductRequest(sku=sku)
    for name in ("name", "category", "price", "weight_g", "barcode", "spec"):
        value = getattr(body, name)
        if value is not None:
            setattr(request, name, value)
    return request
