"""Stores and their settings (head office master data)."""

from __future__ import annotations

from chainkit.errors import AlreadyExists, NotFound
from chainstore.orders.v1 import orders_pb2
from orders.domain.store import Store, StoreSettings
from orders.service_layer.ports import Deps
from orders.service_layer.views import store_view


async def create_store(
    deps: Deps,
    *,
    store_id: str,
    name: str,
    region: str,
    city: str,
    kind: str,
    location_id: str,
    settings: StoreSettings | None = None,
) -> orders_pb2.Store:
    store = Store.create(
        store_id=store_id.strip(),
        name=name,
        region=region,
        city=city,
        kind=kind,
        location_id=location_id,
        settings=settings,
    )
    async with deps.uow() as uow:
        if await uow.stores.get(store.store_id) is not None:
            raise AlreadyExists(f"store {store.store_id} already exists")
        await uow.stores.add(store)
        await uow.commit()
    return store_view(store)


async def get_store(deps: Deps, store_id: str) -> orders_pb2.Store:
    async with deps.uow() as uow:
        store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"store {store_id} not found")
    return store_view(store)


async def list_stores(deps: Deps) -> list[orders_pb2.Store]:
    async with deps.uow() as uow:
        return [store_view(s) for s in await uow.stores.all()]


async def update_store(deps: Deps, store_id: str, settings: StoreSettings) -> orders_pb2.Store:
    async with deps.uow() as uow:
        store = await uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id} not found")
        store = store.updated(settings)
        await uow.stores.save(store)
        await uow.commit()
    return store_view(store)
