"""InventoryPort over gRPC.

Products (name, price, weight) are kept for `product_ttl_s` seconds, so a changed price
applies to new orders within that bound (see orders.service_layer.placement). Look-ups of
products not kept, made at the same moment, share one BatchGetProducts call; when it names
an unknown SKU, each caller asks again on its own, so only the one who sent it is refused.

Reservations asked for at the same moment go in one ReserveMany call, each answered on its
own (a refusal as the domain error its own Reserve would have raised); inventory decides
them in its own batches either way, so this saves a call per order on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from chainkit.batching import Batcher
from chainkit.errors import DomainError, NotFound
from chainkit.fresh import FreshFor
from chainkit.grpc_client import error_of, open_channel
from chainkit.logging import current_correlation_id
from chainkit.metrics import CLIENT_RPCS
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2 as pb
from chainstore.inventory.v1.inventory_pb2_grpc import InventoryServiceStub
from orders.adapters.grpc_errors import DEFAULT_TIMEOUT_S, translate
from orders.domain.lines import LineRequest, ProductInfo
from orders.domain.order import Allocation


def _lines(lines: Sequence[LineRequest]) -> list[SkuQty]:
    return [SkuQty(sku=line.sku, qty=line.qty) for line in lines]


# Batched calls out at once (see chainkit.batching), each taking what is queued when it
# leaves: inventory gathers Reserves into its own batches, so waiting here would only add
# latency.
PEER_CALLS = 4


class GrpcInventory:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        product_ttl_s: float = 0.0,
    ) -> None:
        self._channel = channel
        self._stub = InventoryServiceStub(channel)
        self._timeout = timeout_s
        self._kept: FreshFor[str, ProductInfo] = FreshFor(product_ttl_s)
        self._reservations: Batcher[pb.ReserveRequest, list[Allocation]] = Batcher(
            self._reserve_many, in_flight=PEER_CALLS, gather_max_s=0
        )
        self._products: Batcher[tuple[str, ...], dict[str, ProductInfo]] = Batcher(
            self._products_for_many, in_flight=PEER_CALLS, gather_max_s=0
        )

    @classmethod
    def connect(
        cls, address: str, timeout_s: float = DEFAULT_TIMEOUT_S, product_ttl_s: float = 0.0
    ) -> GrpcInventory:
        CLIENT_RPCS.expect([pb.DESCRIPTOR.services_by_name["InventoryService"].full_name])
        return cls(open_channel(address), timeout_s, product_ttl_s)

    async def close(self) -> None:
        await self._channel.close()

    async def batch_get_products(self, skus: Sequence[str]) -> dict[str, ProductInfo]:
        found, missing = {}, []
        for sku in skus:
            kept = self._kept.get(sku)
            if kept is None:
                missing.append(sku)
            else:
                found[sku] = kept
        if missing:
            fetched = await self._products.submit(tuple(missing))
            for sku, product in fetched.items():
                self._kept.put(sku, product)
            found.update(fetched)
        return found

    async def _products_for_many(
        self, asks: Sequence[tuple[str, ...]]
    ) -> list[dict[str, ProductInfo] | BaseException]:
        try:
            found = await self._fetch_products(sorted({sku for ask in asks for sku in ask}))
        except NotFound:
            if len(asks) == 1:
                raise
            return [await self._products_alone(ask) for ask in asks]
        return [{sku: found[sku] for sku in ask if sku in found} for ask in asks]

    async def _products_alone(self, skus: Sequence[str]) -> dict[str, ProductInfo] | DomainError:
        try:
            return await self._fetch_products(skus)
        except DomainError as e:
            return e

    async def _fetch_products(self, skus: Sequence[str]) -> dict[str, ProductInfo]:
        try:
            reply = await self._stub.BatchGetProducts(
                pb.BatchGetProductsRequest(skus=list(skus)), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e
        return {
            p.sku: ProductInfo(
                sku=p.sku,
                name=p.name,
                category=p.category,
                unit_price=p.price.amount,
                currency=p.price.currency,
                weight_g=p.weight_g,
                spec=p.spec,
            )
            for p in reply.items
        }

    async def reserve(
        self,
        *,
        reservation_id: str,
        lines: Sequence[LineRequest],
        region: str,
        expires_at: datetime,
        home_location_id: str,
        strategy: str,
        destination: tuple[float, float] | None = None,
    ) -> list[Allocation]:
        expires = Timestamp()
        expires.FromDatetime(expires_at)
        request = pb.ReserveRequest(
            # The batch's call carries one caller's; each reservation names its own.
            correlation_id=current_correlation_id(),
            reservation_id=reservation_id,
            lines=_lines(lines),
            region=region,
            expires_at=expires,
            home_location_id=home_location_id,
            strategy=strategy,
        )
        if destination is not None:
            request.destination.lat, request.destination.lon = destination
        return await self._reservations.submit(request)

    async def _reserve_many(
        self, requests: Sequence[pb.ReserveRequest]
    ) -> list[list[Allocation] | BaseException]:
        try:
            reply = await self._stub.ReserveMany(
                pb.ReserveManyRequest(items=requests), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e
        return [
            translate("inventory", error_of(answer.refusal))
            if answer.HasField("refusal")
            else [
                Allocation(a.location_id, a.sku, a.qty, a.reason)
                for a in answer.reservation.allocations
            ]
            for answer in reply.answers
        ]

    async def commit_reservation(self, reservation_id: str) -> None:
        try:
            await self._stub.CommitReservation(
                pb.CommitReservationRequest(reservation_id=reservation_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e

    async def release_reservation(self, reservation_id: str, reason: str) -> None:
        try:
            await self._stub.ReleaseReservation(
                pb.ReleaseReservationRequest(reservation_id=reservation_id, reason=reason),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e

    async def sell_at_location(
        self, *, sale_id: str, location_id: str, lines: Sequence[LineRequest]
    ) -> None:
        request = pb.SellAtLocationRequest(
            sale_id=sale_id, location_id=location_id, lines=_lines(lines)
        )
        try:
            await self._stub.SellAtLocation(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e

    async def held_reservations(
        self, *, created_before: datetime, cursor: str, limit: int
    ) -> tuple[list[str], str]:
        """Ids of one page of held reservations created before the instant, and the cursor
        of the next page ("" after the last)."""
        request = pb.ListReservationsRequest(state=pb.RESERVATION_STATE_HELD)
        request.page.limit, request.page.cursor = limit, cursor
        request.created_before.FromDatetime(created_before)
        try:
            reply = await self._stub.ListReservations(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise translate("inventory", e) from e
        return [r.reservation_id for r in reply.items], reply.page.next_cursor
