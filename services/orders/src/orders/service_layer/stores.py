"""Stores and their settings (head office master data)."""

from __future__ import annotations

from chainkit.errors import AlreadyExists, FieldError, InvalidArgument, NotFound
from orders.domain.store import Store, StoreSettings
from orders.service_layer.commands import MAX_PAGE
from orders.service_layer.deps import Deps


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
) -> Store:
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
    return store


async def get_store(deps: Deps, store_id: str) -> Store:
    async with deps.reader() as uow:
        store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"store {store_id} not found")
    return store


async def list_stores(deps: Deps, after: str = "", limit: int = 0) -> tuple[list[Store], str]:
    """Stores by id after `after`, and the id to continue after ("" on the last page).
    `limit` 0 answers every store (callers that predate paging)."""
    if not 0 <= limit <= MAX_PAGE:
        raise InvalidArgument(
            "invalid page", [FieldError("page.limit", f"must be between 0 and {MAX_PAGE}")]
        )
    async with deps.reader() as uow:
        found = await uow.stores.all(after, limit + 1 if limit else 0)
    if not limit or len(found) <= limit:
        return found, ""
    page = found[:limit]
    return page, page[-1].store_id


async def update_store(deps: Deps, store_id: str, settings: StoreSettings) -> Store:
    async with deps.uow() as uow:
        store = await uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id} not found")
        store = store.updated(settings)
        await uow.stores.save(store)
        await uow.commit()
    deps.placements.stores.forget(store_id)  # this replica: at once
    return store
