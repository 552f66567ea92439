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


def decode(cursor: str, tag: str, parts: int = 1) -> list[str] | None:
    """The key a cursor continues after: None for "", InvalidArgument on `page.cursor` for
    anything this tag did not issue (garbage, another listing's cursor, a wrong arity)."""
    if not cursor:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        found = None
    if (
        not isinstance(found, list)
        or len(found) != parts + 1
        or found[0] != tag
        or not all(isinstance(x, str) for x in found[1:])
    ):
        raise InvalidArgument(f"{FIELD}: {NOT_OURS}", [FieldError(FIELD, NOT_OURS)])
    return [str(x) for x in found[1:]]
