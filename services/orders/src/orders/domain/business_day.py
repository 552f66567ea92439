"""Business days: the chain counts its days in its own time zone, not in UTC.

An order paid at 00:30 in Shanghai (16:30 UTC the day before) belongs to the Shanghai day:
its order number, the day its sale is counted on and "today" at head office all say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BUSINESS_TZ = "Asia/Shanghai"


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone named `name`; ValueError when there is none."""
    if not name or name != name.strip() or name.startswith(("/", ".")):
        raise ValueError(f"not a time zone: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {name!r}") from e


def is_time_zone(name: str) -> bool:
    try:
        time_zone(name)
    except ValueError:
        return False
    return True


def business_day(at: datetime, tz: ZoneInfo) -> date:
    """The calendar day in `tz` of the instant `at` (naive means UTC)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz` (DST-safe)."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of `day` in `tz`, as UTC instants."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)
