from __future__ import annotations

from fastapi import APIRouter

from chainstore.orders.v1 import orders_pb2
from gateway.adapters.mappers import master_data
from gateway.adapters.mappers.common import next_cursor, page_request
from gateway.api.deps import CurrentUser, CursorQuery, HqUser, LimitQuery, OrdersDep
from gateway.api.problems import documented
from gateway.schemas.common import Id, Page
from gateway.schemas.master_data import StoreCreate, StorePublic, StoreUpdate

router = APIRouter(prefix="/v1/stores", tags=["stores"], responses=documented(401, 503))


@router.post("", status_code=201, responses=documented(403, 409, 422))
async def create_store(body: StoreCreate, _hq: HqUser, orders: OrdersDep) -> StorePublic:
    store = await orders.CreateStore(master_data.create_store_request(body))
    return master_data.store_out(store)


@router.get("", responses=documented(422))
async def list_stores(
    _user: CurrentUser, orders: OrdersDep, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[StorePublic]:
    """The chain's stores by store_id, a page at a time."""
    reply = await orders.ListStores(orders_pb2.ListStoresRequest(page=page_request(limit, cursor)))
    return Page(
        items=[master_data.store_out(s) for s in reply.items],
        next_cursor=next_cursor(reply.page),
    )


@router.get("/{store_id}", responses=documented(404))
async def get_store(store_id: Id, _user: CurrentUser, orders: OrdersDep) -> StorePublic:
    return master_data.store_out(
        await orders.GetStore(orders_pb2.GetStoreRequest(store_id=store_id))
    )


@router.patch("/{store_id}", responses=documented(403, 404, 422))
async def update_store(
    store_id: Id, body: StoreUpdate, _hq: HqUser, orders: OrdersDep
) -> StorePublic:
    store = await orders.UpdateStore(master_data.update_store_request(store_id, body))
    return master_data.store_out(store)
