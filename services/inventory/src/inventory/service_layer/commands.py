"""Inputs to the use cases that take more than a few fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from inventory.domain.geo import Point
from inventory.domain.model import SkuQty


@dataclass(frozen=True)
class ReserveCommand:
    reservation_id: str
    lines: Sequence[SkuQty]
    region: str = ""
    home_location_id: str = ""
    strategy: str = ""
    # The hold's deadline: past it the expiry sweep releases it and commits are refused.
    expires_at: datetime | None = None
    destination: Point | None = None
    # The caller's: a batch runs in one task for many callers, each event names its own.
    correlation_id: str = ""


@dataclass(frozen=True)
class NewLocation:
    location_id: str
    name: str
    kind: str  # "warehouse" | "store"; "" when the caller left it out
    region: str
    city: str = ""
    priority: int = 0
    share_online: bool | None = None  # None: the kind's default
    lat: float | None = None
    lon: float | None = None
    # GB/T 2260 codes (the district's alone is enough): names, city and region follow.
    province_code: str = ""
    city_code: str = ""
    district_code: str = ""
