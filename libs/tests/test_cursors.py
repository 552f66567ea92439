"""Page cursors round-trip their key and refuse what their listing did not issue."""

import base64

import pytest

from chainkit import cursors
from chainkit.errors import InvalidArgument


def test_a_cursor_round_trips_its_key_with_any_text() -> None:
    key = ["门店-1", "2026-12-05T00:00:00+00:00"]
    cursor = cursors.encode("orders", key)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert cursors.decode(cursor, "orders", parts=2) == key


def test_an_empty_cursor_means_from_the_start() -> None:
    assert cursors.decode("", "orders") is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", "e30", cursors.encode("stores", ["S1"]), cursors.encode("orders", ["a", "b"])],
)
def test_a_cursor_of_another_listing_or_garbage_is_refused_on_the_field(cursor: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        cursors.decode(cursor, "orders")
    assert [f.field for f in e.value.errors] == ["page.cursor"]


AT = "2026-12-05T00:00:00+00:00"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("old", "tag", "parts", "legacy", "key"),
    [
        # inventory's single keys and (location, sku) pairs: base64 of "<tag>:" and the key
        (_b64("sku:TEA-10"), "sku", 1, "sku:", ["TEA-10"]),
        (_b64('lvl:["WH-1", "TEA-1"]'), "lvl", 2, "lvl:", ["WH-1", "TEA-1"]),
        # orders' stores
        (_b64("store:S001"), "stores", 1, "store:", ["S001"]),
        # orders' list (unpadded), logistics' shipments (padded), the gateway's inbox: [at, id]
        (_b64('["2026-12-05T00:00:00+00:00", "o-1"]').rstrip("="), "orders", 2, "", [AT, "o-1"]),
        (_b64('["2026-12-05T00:00:00+00:00", "sh-1"]'), "shipments", 2, "", [AT, "sh-1"]),
    ],
)
def test_a_cursor_of_the_form_before_this_encoding_still_continues_its_listing(
    old: str, tag: str, parts: int, legacy: str, key: list[str]
) -> None:
    assert cursors.decode(old, tag, parts, legacy=legacy) == key


def test_an_old_form_cursor_of_another_listing_is_still_refused() -> None:
    with pytest.raises(InvalidArgument):
        cursors.decode(_b64("res:R-1"), "sku", legacy="sku:")
    with pytest.raises(InvalidArgument):
        cursors.decode(_b64('["only-one"]'), "orders", 2, legacy="")
