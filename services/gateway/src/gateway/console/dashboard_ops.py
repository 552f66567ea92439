"""Head office's operational panels: the chain's low-stock board with its replenishment
suggestions (and the transfer a click makes of one), stalled parcels per carrier, and the
carriers whose push-gap alert is open now.

The same RPCs and rules as GET /v1/inventory/low-stock, POST /v1/inventory/transfers and
GET /v1/shipments?stalled=true (head office: every location, every store).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc

from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import logistics_pb2
from gateway.adapters.grpc_clients import InventoryClient, LogisticsClient
from gateway.adapters.mappers import inventory as inventory_mapper
from gateway.adapters.mappers import logistics as logistics_mapper
from gateway.adapters.mappers.common import page_request, sku_qty
from gateway.api.routes.inventory import command_id
from gateway.core.security import Principal
from gateway.schemas.inventory import LowStockPublic, TransferPublic
from gateway.schemas.logistics import ShipmentPublic

BOARD_ROWS = 50
STALLED_ROWS = 50
PRODUCT_PAGE = 200


@dataclass
class LowStockBoard:
    rows: list[LowStockPublic]
    total: int
    locations: dict[str, str]
    products: dict[str, str]


def _shortage(row: LowStockPublic) -> tuple[float, str, str]:
    """Emptiest first: available as a share of the threshold, then by SKU and place."""
    share = row.available / row.low_stock_threshold if row.low_stock_threshold else 0.0
    return share, row.sku, row.location_id


async def low_stock_board(inventory: InventoryClient) -> LowStockBoard:
    low, locations, products = await asyncio.gather(
        inventory.ListLowStock(inventory_pb2.ListLowStockRequest()),
        inventory.ListLocations(inventory_pb2.ListLocationsRequest()),
        inventory.ListProducts(
            inventory_pb2.ListProductsRequest(page=page_request(PRODUCT_PAGE, None))
        ),
    )
    rows = sorted((inventory_mapper.low_stock_out(r) for r in low.items), key=_shortage)
    return LowStockBoard(
        rows=rows[:BOARD_ROWS],
        total=len(rows),
        locations={x.location_id: x.name for x in locations.items},
        products={x.sku: x.name for x in products.items},
    )


async def transfer(
    inventory: InventoryClient,
    user: Principal,
    key: str,
    *,
    from_location_id: str,
    to_location_id: str,
    sku: str,
    qty: int,
) -> TransferPublic:
    """The suggested transfer, made once per Idempotency-Key (inventory deduplicates on the
    transfer id derived from it, exactly as POST /v1/inventory/transfers does)."""
    reply = await inventory.CreateTransfer(
        inventory_pb2.CreateTransferRequest(
            transfer_id=command_id(user, key, "transfer"),
            from_location_id=from_location_id,
            to_location_id=to_location_id,
            lines=sku_qty([(sku, qty)]),
            actor=user.username,
        )
    )
    return inventory_mapper.transfer_out(reply)


@dataclass
class CarrierStalls:
    code: str
    name: str
    update_mode: str
    stalled: int


@dataclass
class Parcels:
    # Each stalled parcel with its order's number (the public shape has none).
    stalled: list[tuple[ShipmentPublic, str]]
    more: bool
    carriers: list[CarrierStalls]
    names: dict[str, str]


async def stalled_parcels(logistics: LogisticsClient) -> Parcels:
    reply, carriers = await asyncio.gather(
        logistics.ListShipments(
            logistics_pb2.ListShipmentsRequest(
                stalled_only=True, page=page_request(STALLED_ROWS, None)
            )
        ),
        logistics.ListCarriers(logistics_pb2.ListCarriersRequest()),
    )
    stalled = [
        (logistics_mapper.shipment_out(s), s.order_no)
        for s in reply.items
        if not s.HasField("cancelled_at")
    ]
    per_carrier = Counter(s.carrier for s, _ in stalled)
    known = [logistics_mapper.carrier_out(c) for c in carriers.items]
    return Parcels(
        stalled=stalled,
        more=bool(reply.page.next_cursor),
        carriers=[
            CarrierStalls(c.code, c.name, c.update_mode, per_carrier.get(c.code, 0)) for c in known
        ],
        names={c.code: c.name for c in known},
    )


@dataclass
class PushGap:
    code: str
    name: str
    since: datetime


async def open_push_gaps(logistics: LogisticsClient) -> list[PushGap] | None:
    """Carriers silent for every parcel right now, longest first (None: logistics did not
    answer; the page still opens and the live feed still reports new gaps)."""
    try:
        reply = await logistics.ListCarriers(logistics_pb2.ListCarriersRequest())
    except grpc.aio.AioRpcError:
        return None
    gaps = [
        PushGap(c.code, c.name, c.push_gap_since.ToDatetime(tzinfo=UTC))
        for c in reply.items
        if c.HasField("push_gap_since")
    ]
    return sorted(gaps, key=lambda g: g.since)
