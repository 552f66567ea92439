"""Page cursors round-trip their key and refuse what their listing did not issue."""

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
