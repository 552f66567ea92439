"""Refusals as google.rpc.Status: a batch item's answer reads like its own call's error, and
field errors from a peer of the previous version (our own copy of BadRequest) still read."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import pytest
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc.error_details_pb2 import BadRequest
from google.rpc.status_pb2 import Status
from grpc_status import rpc_status

from chainkit.errors import Conflict, DomainError, FieldError, InvalidArgument
from chainkit.grpc_client import detail_in, error_of, status_detail
from chainkit.grpc_server import each_answered
from chainstore.common.v1.common_pb2 import SkuQty


def shortage(error: DomainError) -> Iterable[Message]:
    if isinstance(error, Conflict):
        yield SkuQty(sku="A", qty=error.details)


async def answer(value: str) -> str:
    if value == "short":
        raise Conflict("not enough A", details=2)
    if value == "bad":
        raise InvalidArgument("bad item", [FieldError("lines[0].sku", "must not be empty")])
    return value


async def test_each_item_is_answered_or_refused_with_its_own_status() -> None:
    answers = await each_answered((answer(v) for v in ["ok", "short", "bad"]), shortage)

    assert answers[0] == "ok"
    short, bad = answers[1], answers[2]
    assert isinstance(short, Status) and isinstance(bad, Status)
    assert short.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert detail_in(short.details, SkuQty) == SkuQty(sku="A", qty=2)
    fields = detail_in(bad.details, BadRequest)
    assert fields is not None
    assert [(v.field, v.description) for v in fields.field_violations] == [
        ("lines[0].sku", "must not be empty")
    ]


async def test_a_refusal_becomes_the_error_its_own_call_would_have_raised() -> None:
    [refusal] = await each_answered([answer("short")], shortage)
    assert isinstance(refusal, Status)

    error = error_of(refusal)

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "not enough A"
    assert status_detail(error, SkuQty) == SkuQty(sku="A", qty=2)
    assert rpc_status.from_call(error) == refusal


def test_no_detail_of_another_type_is_taken_for_the_one_asked() -> None:
    status = Status(code=9, message="short", details=[packed(SkuQty(sku="A", qty=1))])
    assert detail_in(status.details, BadRequest) is None


@pytest.mark.parametrize("type_name", ["chainstore.common.v1.BadRequest", "google.rpc.BadRequest"])
def test_field_errors_of_either_version_read_as_google_rpc_bad_request(type_name: str) -> None:
    # chainstore.common.v1.BadRequest { repeated FieldViolation violations = 1; } with
    # FieldViolation { string field = 1; string message = 2; }, encoded by hand.
    violation = b"\x0a\x03sku" + b"\x12\x05empty"
    value = b"\x0a" + bytes([len(violation)]) + violation
    detail = any_pb2.Any(type_url=f"type.googleapis.com/{type_name}", value=value)

    found = detail_in([detail], BadRequest)

    assert found is not None
    assert [(v.field, v.description) for v in found.field_violations] == [("sku", "empty")]


def packed(message: Message) -> any_pb2.Any:
    item = any_pb2.Any()
    item.Pack(message)
    return item
