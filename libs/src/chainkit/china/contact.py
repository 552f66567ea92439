"""Mainland mobile numbers and postcodes: the forms we accept and the form we store."""

from __future__ import annotations

import re
from typing import Final

# 11 digits, 1 then 3-9 (the mobile number blocks), after an optional +86 / 0086 / 86.
_MOBILE: Final = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
_SEPARATORS: Final = re.compile(r"[\s\-()]")
_POSTCODE: Final = re.compile(r"[0-9]{6}")

MOBILE_HINT: Final = "a mainland mobile number: 11 digits starting 13-19, e.g. 13812345678"
POSTCODE_HINT: Final = "a six-digit postcode, e.g. 200120"


def normalise_mobile(value: str) -> str | None:
    """The 11-digit number (spaces, dashes and a +86 prefix removed); None if not one."""
    match = _MOBILE.fullmatch(_SEPARATORS.sub("", value))
    return match.group(1) if match else None


def is_postcode(value: str) -> bool:
    return _POSTCODE.fullmatch(value) is not None
