from __future__ import annotations

from fastapi import APIRouter

from chainstore.inventory.v1 import inventory_pb2
from gateway.adapters.mappers import master_data
from gateway.adapters.mappers.common import next_cursor, page_request
from gateway.api.deps import CursorQuery, HqUser, InventoryDep, LimitQuery, StaffUser
from gateway.api.problems import documented
from gateway.schemas.common import Page
from gateway.schemas.master_data import LocationCreate, LocationPublic

router = APIRouter(prefix="/v1/locations", tags=["locations"], responses=documented(401, 403, 503))


@router.post("", status_code=201, responses=documented(409, 422))
async def create_location(
    body: LocationCreate, _hq: HqUser, inventory: InventoryDep
) -> LocationPublic:
    body.check()
    location = await inventory.CreateLocation(master_data.create_location_request(body))
    return master_data.location_out(location)


@router.get("", responses=documented(422))
async def list_locations(
    _staff: StaffUser, inventory: InventoryDep, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[LocationPublic]:
    """Stock locations by location_id, a page at a time."""
    reply = await inventory.ListLocations(
        inventory_pb2.ListLocationsRequest(page=page_request(limit, cursor))
    )
    return Page(
        items=[master_data.location_out(item) for item in reply.items],
        next_cursor=next_cursor(reply.page),
    )
