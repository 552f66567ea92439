"""Human-facing order numbers: `YYYYMMDD-<store_id>-NNNNNN`, counted per store per day."""

from __future__ import annotations

import re
from datetime import date

_ORDER_NO = re.compile(r"^\d{8}-.+-\d{6,}$")


def order_number(day: date, store_id: str, seq: int) -> str:
    if seq < 1:
        raise ValueError("order sequence numbers start at 1")
    return f"{day:%Y%m%d}-{store_id}-{seq:06d}"


def looks_like_order_number(ref: str) -> bool:
    return bool(_ORDER_NO.match(ref))
