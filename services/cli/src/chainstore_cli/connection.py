"""Where the services are, and calls to them whose failures name the service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc

from chainkit.grpc_client import open_channel
from chainstore.inventory.v1 import inventory_pb2_grpc
from chainstore.ops.v1 import ops_pb2_grpc
from chainstore.orders.v1 import orders_pb2_grpc, reservation_audit_pb2_grpc

# The suite's own ports (`make run`, chainstore_dev.devstack).
DEFAULT_ADDRS = {
    "orders": "127.0.0.1:50052",
    "inventory": "127.0.0.1:50051",
    "logistics": "127.0.0.1:50053",
}
DEFAULT_GATEWAY = "http://127.0.0.1:8080"
GRPC_SERVICES = tuple(DEFAULT_ADDRS)
UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class CliError(Exception):
    """Something the operator must read: printed without a traceback."""


@dataclass
class Services:
    """The gRPC addresses of each service; one channel each, opened on first use."""

    addrs: dict[str, str]
    timeout_s: float = 10.0
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self._channels:
            self._channels[service] = open_channel(self.addrs[service])
        return self._channels[service]

    def ops(self, service: str) -> ops_pb2_grpc.OpsServiceStub:
        return ops_pb2_grpc.OpsServiceStub(self.channel(service))

    def orders(self) -> orders_pb2_grpc.OrdersServiceStub:
        return orders_pb2_grpc.OrdersServiceStub(self.channel("orders"))

    def reservation_audit(self) -> reservation_audit_pb2_grpc.ReservationAuditServiceStub:
        return reservation_audit_pb2_grpc.ReservationAuditServiceStub(self.channel("orders"))

    def inventory(self) -> inventory_pb2_grpc.InventoryServiceStub:
        return inventory_pb2_grpc.InventoryServiceStub(self.channel("inventory"))

    @contextlib.asynccontextmanager
    async def calling(self, service: str) -> AsyncIterator[None]:
        """Turn a failed call into a CliError that names the service (and its address when
        it cannot be reached)."""
        try:
            yield
        except grpc.aio.AioRpcError as e:
            raise CliError(describe(service, self.addrs[service], e)) from None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


def describe(service: str, addr: str, error: grpc.aio.AioRpcError) -> str:
    if error.code() in UNREACHABLE:
        return f"{service} unreachable at {addr} ({error.code().name}: {error.details()})"
    return f"{service}: {error.code().name}: {error.details()}"


def is_not_found(error: grpc.aio.AioRpcError) -> bool:
    return bool(error.code() == grpc.StatusCode.NOT_FOUND)
