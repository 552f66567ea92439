"""Inventory's page cursors: the suite's one encoding (chainkit.cursors), each listing with
its own tag, so a cursor issued by one listing is refused by another. Cursors of the form
before it (base64 of "<tag>:" and the key) are still taken, for clients paging across the
upgrade."""

from __future__ import annotations

from chainkit import cursors
from chainkit.errors import FieldError, InvalidArgument

SKU_TAG = "sku"
RESERVATION_TAG = "res"
LEVEL_TAG = "lvl"
LOW_STOCK_TAG = "low"
LOCATION_TAG = "loc"
MOVEMENT_TAG = "mv"


def encode(key: str, tag: str = SKU_TAG) -> str:
    """Empty when there is no next page."""
    return cursors.encode(tag, [key]) if key else ""


def decode(cursor: str, tag: str = SKU_TAG) -> str:
    """The key to continue after ("" from the start)."""
    found = cursors.decode(cursor, tag, legacy=f"{tag}:")
    return found[0] if found else ""


def encode_pair(key: tuple[str, str] | None, tag: str) -> str:
    """A (location_id, sku) key; empty when there is no next page."""
    return cursors.encode(tag, key) if key else ""


def decode_pair(cursor: str, tag: str) -> tuple[str, str] | None:
    found = cursors.decode(cursor, tag, parts=2, legacy=f"{tag}:")
    return (found[0], found[1]) if found else None


def encode_movement(movement_id: int) -> str:
    """A ledger page's last movement id; empty when there is no next page."""
    return cursors.encode(MOVEMENT_TAG, [str(movement_id)]) if movement_id else ""


def decode_movement(cursor: str) -> int:
    found = cursors.decode(cursor, MOVEMENT_TAG, legacy=f"{MOVEMENT_TAG}:")
    if not found:
        return 0
    if not found[0].isdigit() or int(found[0]) <= 0:
        raise InvalidArgument(
            f"{cursors.FIELD}: {cursors.NOT_OURS}", [FieldError(cursors.FIELD, cursors.NOT_OURS)]
        )
    return int(found[0])
