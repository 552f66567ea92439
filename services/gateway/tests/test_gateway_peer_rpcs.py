"""The peer classes' RPC annotations are what mypy checks the gateway's calls against: each
names an RPC of its service, with that RPC's request and answer types."""

from __future__ import annotations

import collections.abc
import typing

import pytest
from google.protobuf.descriptor import ServiceDescriptor

from chainstore.inventory.v1 import inventory_pb2
from chainstore.logistics.v1 import logistics_pb2
from chainstore.orders.v1 import orders_pb2
from gateway.adapters import grpc_clients
from gateway.adapters.grpc_clients import InventoryClient, LogisticsClient, OrdersClient, Peer

PEERS = [
    (InventoryClient, inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"]),
    (OrdersClient, orders_pb2.DESCRIPTOR.services_by_name["OrdersService"]),
    (LogisticsClient, logistics_pb2.DESCRIPTOR.services_by_name["LogisticsService"]),
]


@pytest.mark.parametrize(("peer", "service"), PEERS, ids=["inventory", "orders", "logistics"])
def test_each_rpc_annotation_matches_its_service(
    peer: type[Peer], service: ServiceDescriptor
) -> None:
    hints = typing.get_type_hints(peer, vars(grpc_clients))
    rpcs = {name: hint for name, hint in hints.items() if not name.startswith("_")}
    assert rpcs
    for name, hint in rpcs.items():
        method = service.methods_by_name[name]
        [request], answer = typing.get_args(hint)
        assert typing.get_origin(answer) is collections.abc.Awaitable
        [response] = typing.get_args(answer)
        assert request.DESCRIPTOR.full_name == method.input_type.full_name, name
        assert response.DESCRIPTOR.full_name == method.output_type.full_name, name


def test_every_rpc_is_the_stub_call_with_the_timeout_bound() -> None:
    calls: list[tuple[str, object, dict[str, object]]] = []

    class Stub:
        def __getattr__(self, name: str) -> typing.Callable[..., None]:
            return lambda request, **kw: calls.append((name, request, kw))

    peer = LogisticsClient(Stub(), 2.5)
    request = logistics_pb2.GetTrackingRequest(waybill_no="SW1")
    peer.GetTracking(request)
    assert calls == [("GetTracking", request, {"timeout": 2.5})]
