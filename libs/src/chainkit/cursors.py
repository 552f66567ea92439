"""Page cursors: opaque to clients, the last key of a page as a tagged JSON list,
base64url-encoded without padding.

The tag names what the cursor pages over, so a cursor issued for one listing is refused by
another instead of silently skipping rows. An empty cursor means "from the start" (decode)
or "no next page" (encode).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from chainkit.errors import FieldError, InvalidArgument

FIELD = "page.cursor"
NOT_OURS = "is not a cursor this service issued"


def encode(tag: str, key: Sequence[str]) -> str:
    raw = json.dumps([tag, *key], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, tag: str, parts: int = 1, legacy: str | None = None) -> list[str] | None:
    """The key a cursor continues after: None for "", InvalidArgument on `page.cursor` for
    anything this tag did not issue (garbage, another listing's cursor, a wrong arity).

    `legacy` names the form this listing's cursors had before this encoding, so a client
    paging across the upgrade (or between replicas of two versions) is not refused: base64
    of that prefix, then the key as text (one part) or as a JSON list ("" for a bare list).
    """
    if not cursor:
        return None
    found = _json(cursor)
    if (
        isinstance(found, list)
        and len(found) == parts + 1
        and found[0] == tag
        and all(isinstance(x, str) for x in found[1:])
    ):
        return [str(x) for x in found[1:]]
    old = None if legacy is None else _legacy(cursor, legacy, parts)
    if old is None:
        raise InvalidArgument(f"{FIELD}: {NOT_OURS}", [FieldError(FIELD, NOT_OURS)])
    return old


def _text(cursor: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _json(cursor: str) -> object:
    text = _text(cursor)
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


def _legacy(cursor: str, prefix: str, parts: int) -> list[str] | None:
    text = _text(cursor)
    if text is None or not text.startswith(prefix) or len(text) == len(prefix):
        return None
    rest = text[len(prefix) :]
    if prefix and parts == 1:
        return [rest]
    try:
        key = json.loads(rest)
    except ValueError:
        return None
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(x, str) for x in key):
        return None
    return [str(x) for x in key]
