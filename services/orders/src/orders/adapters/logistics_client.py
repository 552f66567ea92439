"""LogisticsPort over gRPC."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from chainkit.grpc_client import open_channel
from chainkit.metrics import CLIENT_RPCS
from chainstore.common.v1.common_pb2 import Address as AddressPb
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.logistics.v1 import logistics_pb2 as pb
from chainstore.logistics.v1.logistics_pb2_grpc import LogisticsServiceStub
from orders.adapters.address_pb import address_pb
from orders.adapters.grpc_errors import DEFAULT_TIMEOUT_S, translate
from orders.domain.order import Address, Package, Shipment
from orders.service_layer.ports import PackageQuote


def _address(a: Address) -> AddressPb:
    return address_pb(a)


def _packages(packages: Sequence[Package]) -> list[pb.Package]:
    return [
        pb.Package(
            location_id=p.location_id,
            lines=[SkuQty(sku=sku, qty=qty) for sku, qty in p.lines],
            weight_g=p.weight_g,
            origin_region=p.origin_region,
        )
        for p in packages
    ]


class GrpcLogistics:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._channel = channel
        self._stub = LogisticsServiceStub(channel)
        self._timeout = timeout_s

    @classmethod
    def connect(cls, address: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> GrpcLogistics:
        CLIENT_RPCS.expect([pb.DESCRIPTOR.services_by_name["LogisticsService"].full_name])
        return cls(open_channel(address), timeout_s)

    async def close(self) -> None:
        await self._channel.close()

    async def create_shipments(
        self,
        *,
        order_id: str,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
        customer_id: str = "",
        order_no: str = "",
    ) -> list[Shipment]:
        request = pb.CreateShipmentsRequest(
            order_id=order_id,
            store_id=store_id,
            destination=_address(destination),
            packages=_packages(packages),
            carrier=carrier,
            service_level=service_level,
            preferred_carrier=preferred_carrier,
            customer_id=customer_id,
            order_no=order_no,
        )
        try:
            reply = await self._stub.CreateShipments(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise translate("logistics", e) from e
        return [
            Shipment(s.shipment_id, s.location_id, s.carrier, s.waybill_no) for s in reply.shipments
        ]

    async def quote_shipments(
        self,
        *,
        store_id: str,
        destination: Address,
        packages: Sequence[Package],
        carrier: str,
        service_level: str = "",
        preferred_carrier: str = "",
    ) -> list[PackageQuote]:
        request = pb.QuoteShipmentsRequest(
            store_id=store_id,
            destination=_address(destination),
            packages=_packages(packages),
            carrier=carrier,
            service_level=service_level,
            preferred_carrier=preferred_carrier,
        )
        try:
            reply = await self._stub.QuoteShipments(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as e:
            raise translate("logistics", e) from e
        return [
            PackageQuote(
                location_id=q.location_id,
                carrier=q.carrier,
                service_level=q.service_level,
                rule=q.rule,
                reason=q.carrier_reason,
                price=q.price,
                days=q.days,
                weight_g=q.weight_g,
                eligible=tuple(q.eligible_carriers),
            )
            for q in reply.packages
        ]
