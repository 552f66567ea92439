"""What the store pages show, fetched with the API's clients, mappers and scope.

Store staff see and act only for their own store, exactly as over /v1: orders go through
`mapper.scope_of(user)` (another store's order is NOT_FOUND from the orders service),
shipments are listed with the staff's own store_id (routes/shipments.py), and stock,
low-stock rows and transfers are those of the store's own location
(`own_location` / `require_own` in routes/inventory.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc

from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters.grpc_clients import InventoryClient, LogisticsClient, OrdersClient
from gateway.adapters.mappers import inventory as inventory_mapper
from gateway.adapters.mappers import logistics as logistics_mapper
from gateway.adapters.mappers import orders as mapper
from gateway.adapters.mappers.common import next_cursor, page_request
from gateway.core.security import Principal
from gateway.schemas.inventory import LowStockPublic
from gateway.schemas.logistics import CarrierPublic, ShipmentPublic
from gateway.schemas.orders import OrderPublic

QUEUE_SIZE = 20
SHIPMENTS_PAGE = 20
ALERTS = 5
PRODUCTS_FOR_LOOKUP = 200  # the till's name look-up list (one page of the item master)
# What a shipment filter asks logistics for: all, stalled only, or in exception.
SHIPMENT_FILTERS = ("", "stalled", "exception")


async def own_store(orders: OrdersClient, user: Principal) -> orders_pb2.Store:
    """The staff's store (its location is where they sell, count and receive)."""
    return await orders.GetStore(orders_pb2.GetStoreRequest(store_id=user.store_id or ""))


@dataclass
class Queue:
    orders: list[OrderPublic]
    next_cursor: str | None


async def paid_queue(orders: OrdersClient, user: Principal, cursor: str | None) -> Queue:
    """The store's paid orders awaiting review and shipment, newest first."""
    reply = await orders.ListOrders(
        mapper.list_orders_request(
            mapper.scope_of(user),
            status="paid",
            store_id=user.store_id,
            customer_id=None,
            q=None,
            created_from=None,
            created_to=None,
            limit=QUEUE_SIZE,
            cursor=cursor,
        )
    )
    return Queue([mapper.order_out(o) for o in reply.items], next_cursor(reply.page))


class StoreParcel(ShipmentPublic):
    """A shipment as GET /v1/shipments shows it, plus its order's number to link to."""

    order_no: str = ""


def parcel_out(shipment: logistics_pb2.Shipment) -> StoreParcel:
    return StoreParcel(
        **logistics_mapper.shipment_out(shipment).model_dump(), order_no=shipment.order_no
    )


@dataclass
class Alerts:
    """What needs the staff's eye besides the queue: low stock and troubled parcels."""

    low_stock: int
    stalled: list[StoreParcel]
    exceptions: list[StoreParcel]


async def shipments(
    logistics: LogisticsClient,
    user: Principal,
    which: str,
    *,
    limit: int = SHIPMENTS_PAGE,
    cursor: str | None = None,
) -> tuple[list[StoreParcel], str | None]:
    """The store's own shipments (as GET /v1/shipments does for store staff)."""
    reply = await logistics.ListShipments(
        logistics_pb2.ListShipmentsRequest(
            store_id=user.store_id or "",
            status="exception" if which == "exception" else "",
            stalled_only=which == "stalled",
            page=page_request(limit, cursor),
        )
    )
    return [parcel_out(s) for s in reply.items], next_cursor(reply.page)


async def low_stock(inventory: InventoryClient, location_id: str) -> list[LowStockPublic]:
    reply = await inventory.ListLowStock(inventory_pb2.ListLowStockRequest(location_id=location_id))
    return [inventory_mapper.low_stock_out(row) for row in reply.items]


async def alerts(
    inventory: InventoryClient, logistics: LogisticsClient, user: Principal, location_id: str
) -> Alerts:
    low, (stalled, _), (exceptions, _) = await asyncio.gather(
        low_stock(inventory, location_id),
        shipments(logistics, user, "stalled", limit=ALERTS),
        shipments(logistics, user, "exception", limit=ALERTS),
    )
    return Alerts(len(low), stalled, exceptions)


async def carriers(logistics: LogisticsClient) -> list[CarrierPublic]:
    return [
        logistics_mapper.carrier_out(c)
        for c in (await logistics.ListCarriers(logistics_pb2.ListCarriersRequest())).items
    ]


async def order_shipments(logistics: LogisticsClient, order_id: str) -> list[StoreParcel]:
    """The parcels of an order the caller may see (ask only after orders answered it)."""
    reply = await logistics.ListShipments(logistics_pb2.ListShipmentsRequest(order_id=order_id))
    return [parcel_out(s) for s in reply.items]


@dataclass
class QuotedParcel:
    """The carrier shipping would choose for one package, and why (QuoteShipping)."""

    location_id: str
    carrier: str
    service_level: str
    rule: str
    reason: str
    price: int
    days: int
    eligible: tuple[str, ...]


@dataclass
class ShipQuote:
    parcels: list[QuotedParcel]
    # Why nothing can be suggested (e.g. the override cannot serve the address); the form
    # stays usable: shipping gives the same answer.
    refused: str = ""

    def serving(self) -> set[str] | None:
        """Carriers an override may name for every package (None: not known)."""
        if not self.parcels:
            return None
        return set.intersection(*(set(p.eligible) for p in self.parcels))


async def ship_quote(
    orders: OrdersClient, user: Principal, order_no: str, carrier: str = "", level: str = ""
) -> ShipQuote:
    """What shipping the order now would choose (same scope as the ship action)."""
    try:
        reply = await orders.QuoteShipping(
            orders_pb2.QuoteShippingRequest(
                scope=mapper.scope_of(user),
                order_ref=order_no,
                carrier=carrier,
                service_level=level,
            )
        )
    except grpc.aio.AioRpcError as e:
        # Advisory only: any refusal or outage is shown, and shipping still decides.
        return ShipQuote([], e.details() or e.code().name)
    return ShipQuote(
        [
            QuotedParcel(
                location_id=q.location_id,
                carrier=q.carrier,
                service_level=q.service_level,
                rule=q.rule,
                reason=q.carrier_reason,
                price=q.price,
                days=q.days,
                eligible=tuple(q.eligible_carriers),
            )
            for q in reply.packages
        ]
    )


@dataclass
class StockRow:
    sku: str
    name: str
    on_hand: int
    reserved: int
    available: int
    threshold: int
    in_transit: int
    low: bool
    # The replenishment inventory suggests for a low level: from where, how many.
    suggest_from: str = ""
    suggest_qty: int = 0


@dataclass
class Products:
    """The item master's names and prices by SKU (for the till and the stock list)."""

    names: dict[str, str] = field(default_factory=dict)
    prices: dict[str, int] = field(default_factory=dict)


async def products(inventory: InventoryClient) -> Products:
    reply = await inventory.ListProducts(
        inventory_pb2.ListProductsRequest(page=page_request(PRODUCTS_FOR_LOOKUP, None))
    )
    return Products(
        names={p.sku: p.name for p in reply.items},
        prices={p.sku: p.price.amount for p in reply.items},
    )


async def stock_rows(inventory: InventoryClient, location_id: str) -> list[StockRow]:
    """Every SKU of the store's location, low ones first, with the suggested replenishment."""
    levels, low, catalog = await asyncio.gather(
        inventory.ListStockLevels(inventory_pb2.ListStockLevelsRequest(location_id=location_id)),
        low_stock(inventory, location_id),
        products(inventory),
    )
    suggestions = {
        row.sku: (row.suggestion.from_location_id, row.suggestion.qty)
        for row in low
        if row.suggestion is not None
    }
    rows = [
        StockRow(
            sku=level.sku,
            name=catalog.names.get(level.sku, ""),
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
            threshold=level.low_stock_threshold,
            in_transit=level.in_transit,
            low=level.low_stock,
            suggest_from=suggestions.get(level.sku, ("", 0))[0],
            suggest_qty=suggestions.get(level.sku, ("", 0))[1],
        )
        for level in levels.items
        if level.location_id == location_id
    ]
    return sorted(rows, key=lambda r: (not r.low, r.sku))
