"""A pushing carrier's webhook: signature checked over the raw body, then its scans read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chainkit.errors import InvalidArgument, Unauthenticated
from logistics.adapters.carriers.signed_push import parse_scans, sign, verify_signature

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_signature_verification() -> None:
    body = b'{"events":[]}'
    verify_signature(b"k", body, sign(b"k", body))
    for bad in ("", sign(b"other", body), sign(b"k", body + b" "), "sha256=00"):
        with pytest.raises(Unauthenticated):
            verify_signature(b"k", body, bad)


def test_parse_push_body() -> None:
    body = (
        b'{"events":[{"event_id":"e1","waybill_no":"SW1","code":"PKP",'
        b'"at":"2025-03-01T08:00:00Z","location":"Hub","description":"Picked up"}]}'
    )
    [parsed] = parse_scans(body)
    assert parsed.event_id == "e1" and parsed.at == T0 and parsed.code == "PKP"
    with pytest.raises(InvalidArgument):
        parse_scans(b"not json")
    with pytest.raises(InvalidArgument) as missing:
        parse_scans(b'{"events":[{"waybill_no":"SW1"}]}')
    assert {e.field for e in missing.value.errors} == {"events[0].code", "events[0].at"}
