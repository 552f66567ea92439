"""Timestamps, enums and paging shared by every mapper."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from chainstore.common.v1 import common_pb2

K = TypeVar("K")
V = TypeVar("V")


class UnexpectedReply(Exception):
    """A peer answered with something the contract does not allow (mapped to 502)."""


def time_of(message: Message, field: str) -> datetime | None:
    """An optional Timestamp field as an aware UTC datetime, None when unset."""
    if not message.HasField(field):
        return None
    stamp = getattr(message, field)
    assert isinstance(stamp, Timestamp)
    return stamp.ToDatetime(tzinfo=UTC)


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    # A naive datetime from a client is taken as UTC (docs/api-conventions.md: times are UTC).
    stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp


def lookup(table: Mapping[K, V], key: K, what: str) -> V:
    try:
        return table[key]
    except KeyError:
        raise UnexpectedReply(f"unexpected {what} {key!r}") from None


def invert(table: Mapping[K, V]) -> dict[V, K]:
    return {value: key for key, value in table.items()}


def page_request(limit: int, cursor: str | None) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(limit=limit, cursor=cursor or "")


def next_cursor(page: common_pb2.PageInfo) -> str | None:
    return page.next_cursor or None


def sku_qty(lines: list[tuple[str, int]]) -> list[common_pb2.SkuQty]:
    return [common_pb2.SkuQty(sku=sku, qty=qty) for sku, qty in lines]
