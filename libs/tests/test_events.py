"""Event ids are random version-4 UUIDs in their canonical text form."""

from __future__ import annotations

import uuid

from chainkit.events import envelope, new_event_id, parse
from chainstore.common.v1.common_pb2 import SkuQty


def test_event_ids_are_canonical_random_uuids() -> None:
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_an_envelope_gets_a_fresh_id_unless_given_one() -> None:
    payload = SkuQty(sku="A", qty=1)
    first = parse(envelope("inventory.probe", payload, source="test").data)
    second = parse(envelope("inventory.probe", payload, source="test").data)
    given = envelope("inventory.probe", payload, source="test", event_id="fixed")
    assert first.event_id != second.event_id and uuid.UUID(first.event_id).version == 4
    assert given.event_id == "fixed" and parse(given.data).event_id == "fixed"
