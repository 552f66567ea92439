"""Page cursors: opaque to clients, the last key of a page, tagged and base64url-encoded."""

from __future__ import annotations

import base64
import binascii
import json

from chainkit.errors import FieldError, InvalidArgument

SKU_TAG = "sku:"
RESERVATION_TAG = "res:"
LEVEL_TAG = "lvl:"
LOW_STOCK_TAG = "low:"
LOCATION_TAG = "loc:"
MOVEMENT_TAG = "mv:"
_NOT_OURS = "is not a cursor this service issued"


def _refuse() -> InvalidArgument:
    return InvalidArgument(f"page.cursor: {_NOT_OURS}", [FieldError("page.cursor", _NOT_OURS)])


def encode(key: str, tag: str = SKU_TAG) -> str:
    return base64.urlsafe_b64encode((tag + key).encode()).decode() if key else ""


def decode(cursor: str, tag: str = SKU_TAG) -> str:
    if not cursor:
        return ""
    try:
        raw = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(tag):
        raise _refuse()
    return raw.removeprefix(tag)


def encode_pair(key: tuple[str, str] | None, tag: str) -> str:
    """A (location_id, sku) key; "" when there is no next page."""
    return encode(json.dumps(list(key)), tag) if key else ""


def decode_pair(cursor: str, tag: str) -> tuple[str, str] | None:
    raw = decode(cursor, tag)
    if not raw:
        return None
    try:
        location_id, sku = json.loads(raw)
        return str(location_id), str(sku)
    except (ValueError, TypeError) as e:
        raise _refuse() from e


def encode_movement(movement_id: int) -> str:
    """A ledger page's last movement id; "" when there is no next page."""
    return encode(str(movement_id), MOVEMENT_TAG) if movement_id else ""


def decode_movement(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        value = int(decode(cursor, MOVEMENT_TAG))
    except ValueError as e:
        raise _refuse() from e
    if value <= 0:
        raise _refuse()
    return value
