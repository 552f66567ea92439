"""Status details for inventory's own domain errors (chainkit maps the status codes)."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from google.rpc.error_details_pb2 import BadRequest

from chainkit.errors import DomainError
from chainstore.common.v1.common_pb2 import SkuQty
from chainstore.inventory.v1 import inventory_pb2
from inventory.domain.errors import InsufficientStock, UnknownProducts
from inventory.service_layer.references import UNKNOWN_SKU


def details_for(error: DomainError) -> Iterator[Message]:
    if isinstance(error, InsufficientStock):
        yield inventory_pb2.InsufficientStock(
            available=[SkuQty(sku=sku, qty=qty) for sku, qty in error.available.items()]
        )
    elif isinstance(error, UnknownProducts):
        yield BadRequest(
            field_violations=[
                BadRequest.FieldViolation(field="skus", description=f"{UNKNOWN_SKU} {sku!r}")
                for sku in error.skus
            ]
        )
