"""Estimated delivery, refined as scans arrive: the carrier's promise is only a start.

At creation the estimate is the carrier's promised days for the route (Shipment.create).
The newest scan then tells us more: a parcel out for delivery arrives today; one at a hub
in its destination region arrives tomorrow; a delivered one arrived when it was scanned.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

from chainkit.china.regions import LEGACY_REGIONS, region_or_as_is
from logistics.domain.tracking import TrackingEvent, TrackingStatus, as_utc

# The demo chain's carriers deliver on China Standard Time days (UTC+8, no daylight saving).
DELIVERY_DAY_TZ = timezone(timedelta(hours=8), "CST")


def end_of_local_day(moment: datetime, *, days_later: int = 0) -> datetime:
    """The last second of the delivery day `days_later` days after `moment`'s, in UTC."""
    day = as_utc(moment).astimezone(DELIVERY_DAY_TZ).date() + timedelta(days=days_later)
    return datetime.combine(day, time(23, 59, 59), DELIVERY_DAY_TZ).astimezone(UTC)


def in_region(location: str, region: str) -> bool:
    """Does a scan's free-text place name the region? (Carriers write e.g. "华东转运中心";
    older scans "east hub".)"""
    region = region_or_as_is(region.strip())
    if not region:
        return False
    names = {region, *(old for old, new in LEGACY_REGIONS.items() if new == region)}
    place = location.lower()
    return any(name.lower() in place for name in names)


def refine(current: datetime, newest: TrackingEvent, destination_region: str) -> datetime:
    """The estimate once `newest` (the scan that now sets the status) is known."""
    status, at = newest.status, newest.at
    if status is TrackingStatus.DELIVERED:
        return at
    if status is TrackingStatus.OUT_FOR_DELIVERY:
        return end_of_local_day(at)
    if status is TrackingStatus.FAILED_ATTEMPT:
        return end_of_local_day(at, days_later=1)  # carriers try again the next day
    if status is TrackingStatus.ARRIVED_AT_HUB and in_region(newest.location, destination_region):
        return end_of_local_day(at, days_later=1)
    if status in (TrackingStatus.EXCEPTION, TrackingStatus.RETURNED_TO_SENDER):
        return current  # nobody can say; the promise stays on record
    if as_utc(current) < at:
        # Still moving past the promised time: a broken promise is no estimate.
        return end_of_local_day(at, days_later=1)
    return current
