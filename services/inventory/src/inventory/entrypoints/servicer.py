"""The gRPC servicer: translates requests to use cases and results back. Nothing else.

Domain errors propagate; chainkit.grpc_server maps them to status codes (and `details_for`
in inventory.entrypoints.errors adds the InsufficientStock detail).
"""

from __future__ import annotations

from typing import TypeAlias

import grpc
from google.rpc.status_pb2 import Status

from chainkit.errors import FieldError, InvalidArgument
from chainkit.grpc_server import each_answered
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1 import inventory_pb2_grpc as pb_grpc
from inventory.adapters.stock_pb import level_pb
from inventory.domain.model import CURRENCY, ProductPatch
from inventory.domain.reservation import ReservationState
from inventory.entrypoints import cursors
from inventory.entrypoints import translate as tr
from inventory.entrypoints.errors import details_for
from inventory.entrypoints.operations import Operations
from inventory.entrypoints.stock_ops import StockOperations
from inventory.service_layer import (
    catalog,
    reservation_queries,
    reservations,
    reserving,
    stock,
)
from inventory.service_layer.commands import NewLocation
from inventory.service_layer.deps import Deps

Ctx: TypeAlias = grpc.aio.ServicerContext


class InventoryServicer(StockOperations, Operations, pb_grpc.InventoryServiceServicer):
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._reserve = reserving.Reserver(deps)

    async def CreateLocation(self, request: pb.CreateLocationRequest, context: Ctx) -> pb.Location:
        loc = request.location
        kind = tr.location_kind(loc.kind)
        new = NewLocation(
            location_id=loc.location_id,
            name=loc.name,
            kind=kind.value if kind else "",
            region=loc.region,
            city=loc.city,
            priority=loc.priority,
            share_online=request.share_online if request.HasField("share_online") else None,
            lat=loc.point.lat if loc.HasField("point") else None,
            lon=loc.point.lon if loc.HasField("point") else None,
            province_code=loc.province_code,
            city_code=loc.city_code,
            district_code=loc.district_code,
        )
        return tr.location_to_pb(await catalog.create_location(self._deps, new))

    async def ListLocations(
        self, request: pb.ListLocationsRequest, context: Ctx
    ) -> pb.ListLocationsResponse:
        items, last = await catalog.list_locations(
            self._deps,
            after=cursors.decode(request.page.cursor, cursors.LOCATION_TAG),
            limit=request.page.limit,
        )
        response = pb.ListLocationsResponse(items=[tr.location_to_pb(x) for x in items])
        response.page.next_cursor = cursors.encode(last, cursors.LOCATION_TAG)
        return response

    async def CreateProduct(self, request: pb.CreateProductRequest, context: Ctx) -> pb.Product:
        currency = request.product.price.currency or CURRENCY
        product = tr.product_from_pb(request.product, currency)
        return tr.product_to_pb(await catalog.create_product(self._deps, product))

    async def UpdateProduct(self, request: pb.UpdateProductRequest, context: Ctx) -> pb.Product:
        patch = ProductPatch(
            name=request.name if request.HasField("name") else None,
            category=request.category if request.HasField("category") else None,
            price=request.price if request.HasField("price") else None,
            weight_g=request.weight_g if request.HasField("weight_g") else None,
            barcode=request.barcode.strip() if request.HasField("barcode") else None,
            spec=request.spec.strip() if request.HasField("spec") else None,
        )
        return tr.product_to_pb(await catalog.update_product(self._deps, request.sku, patch))

    async def GetProduct(self, request: pb.GetProductRequest, context: Ctx) -> pb.Product:
        return tr.product_to_pb(await catalog.get_product(self._deps, request.sku))

    async def GetProductByBarcode(
        self, request: pb.GetProductByBarcodeRequest, context: Ctx
    ) -> pb.Product:
        return tr.product_to_pb(await catalog.product_by_barcode(self._deps, request.barcode))

    async def ListProducts(
        self, request: pb.ListProductsRequest, context: Ctx
    ) -> pb.ListProductsResponse:
        items, last = await catalog.list_products(
            self._deps, after_sku=cursors.decode(request.page.cursor), limit=request.page.limit
        )
        response = pb.ListProductsResponse(items=[tr.product_to_pb(x) for x in items])
        response.page.next_cursor = cursors.encode(last)
        return response

    async def BatchGetProducts(
        self, request: pb.BatchGetProductsRequest, context: Ctx
    ) -> pb.BatchGetProductsResponse:
        items = await catalog.batch_get_products(self._deps, list(request.skus))
        return pb.BatchGetProductsResponse(items=[tr.product_to_pb(x) for x in items])

    async def ReceiveStock(
        self, request: pb.ReceiveStockRequest, context: Ctx
    ) -> pb.ReceiveStockResponse:
        levels = await stock.receive_stock(
            self._deps,
            location_id=request.location_id,
            lines=tr.lines_from_pb(request.lines),
            reference=request.reference,
            actor=request.actor,
        )
        return pb.ReceiveStockResponse(levels=[level_pb(x) for x in levels])

    async def ListStockLevels(
        self, request: pb.ListStockLevelsRequest, context: Ctx
    ) -> pb.ListStockLevelsResponse:
        items, last = await stock.list_stock_levels(
            self._deps,
            sku=request.sku,
            location_id=request.location_id,
            after=cursors.decode_pair(request.page.cursor, cursors.LEVEL_TAG),
            limit=request.page.limit,
        )
        response = pb.ListStockLevelsResponse(items=[level_pb(x) for x in items])
        response.page.next_cursor = cursors.encode_pair(last, cursors.LEVEL_TAG)
        return response

    async def Reserve(self, request: pb.ReserveRequest, context: Ctx) -> pb.Reservation:
        return tr.reservation_to_pb(await self._reserve(tr.reserve_command(request)))

    async def ReserveMany(
        self, request: pb.ReserveManyRequest, context: Ctx
    ) -> pb.ReserveManyResponse:
        answers = await each_answered(
            (self._reserve(tr.reserve_command(item)) for item in request.items), details_for
        )
        return pb.ReserveManyResponse(
            answers=[
                pb.ReserveAnswer(refusal=a)
                if isinstance(a, Status)
                else pb.ReserveAnswer(reservation=tr.reservation_to_pb(a))
                for a in answers
            ]
        )

    async def CommitReservation(
        self, request: pb.CommitReservationRequest, context: Ctx
    ) -> pb.Reservation:
        done = await reservations.commit_reservation(self._deps, request.reservation_id)
        return tr.reservation_to_pb(done)

    async def ReleaseReservation(
        self, request: pb.ReleaseReservationRequest, context: Ctx
    ) -> pb.Reservation:
        done = await reservations.release_reservation(
            self._deps, request.reservation_id, request.reason
        )
        return tr.reservation_to_pb(done)

    async def SellAtLocation(self, request: pb.SellAtLocationRequest, context: Ctx) -> pb.Sale:
        sale = await stock.sell_at_location(
            self._deps,
            sale_id=request.sale_id,
            location_id=request.location_id,
            lines=tr.lines_from_pb(request.lines),
        )
        return tr.sale_to_pb(sale)

    async def ListReservations(
        self, request: pb.ListReservationsRequest, context: Ctx
    ) -> pb.ListReservationsResponse:
        state = tr.reservation_state(request.state)
        if state is None and request.state != pb.RESERVATION_STATE_UNSPECIFIED:
            message = "is not a reservation state"
            raise InvalidArgument(f"state: {message}", [FieldError("state", message)])
        items, last = await reservation_queries.list_reservations(
            self._deps,
            state=state or ReservationState.HELD,
            created_before=(
                tr.timestamp_to_datetime(request.created_before)
                if request.HasField("created_before")
                else None
            ),
            after_id=cursors.decode(request.page.cursor, cursors.RESERVATION_TAG),
            limit=request.page.limit,
        )
        response = pb.ListReservationsResponse(items=[tr.reservation_to_pb(x) for x in items])
        response.page.next_cursor = cursors.encode(last, cursors.RESERVATION_TAG)
        return response
