"""What the fake services share: the call recorder, the fixed clock, place names and the
status details a refusal carries (like the real services, through chainkit's server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from chainkit.china.places import locate
from chainkit.errors import DomainError

NOW = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
CodeField = Literal["province_code", "city_code", "district_code"]
CODE_FIELDS: tuple[CodeField, ...] = ("province_code", "city_code", "district_code")

Context = grpc.aio.ServicerContext


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


class Recorder:
    """Requests by method name, and an error to raise on the next call (any method)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Message]] = []
        self.fail_next: DomainError | None = None
        self.delay_s = 0.0

    async def record(self, method: str, request: Message) -> None:
        self.calls.append((method, request))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def last(self, method: str) -> Any:
        """The last request of `method` (the test knows its type)."""
        found = [request for name, request in self.calls if name == method]
        assert found, f"{method} was not called"
        return found[-1]

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)


class Placed(Protocol):
    """A store or location: codes in, names of the place out."""

    region: str
    city: str
    province_code: str
    city_code: str
    district_code: str


def named(msg: Placed) -> None:
    """Like the services: the names, city and region of the codes a store or location has."""
    if any(getattr(msg, f) for f in CODE_FIELDS):
        codes = {f: getattr(msg, f) for f in CODE_FIELDS}
        for name, value in vars(locate(region=msg.region, city=msg.city, **codes)).items():
            setattr(msg, name, value)


def status_details(error: DomainError) -> Iterable[Message]:
    """Like the services: an error's proto details travel as status details."""
    if isinstance(error.details, Message):
        yield error.details
