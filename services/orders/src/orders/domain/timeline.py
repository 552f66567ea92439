"""An order's timeline: every transition and review step, who did it, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# Who acts when no person does: the payment-deadline timer and the carriers.
SYSTEM_DEADLINE = "system:payment-deadline"
SYSTEM_CARRIER = "system:carrier"
DEADLINE_REASON = "payment deadline passed"


class Action(StrEnum):
    CREATED = "created"
    PAID = "paid"
    CONFIRMED = "confirmed"
    ADDRESS_CORRECTED = "address_corrected"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: Action
    # Status values as text ("" before creation): the domain's OrderStatus values.
    from_status: str
    status: str
    actor: str = ""
    reason: str = ""


def iso(at: datetime, time_zone: str = "") -> str:
    """A deadline as people read it in a refusal: UTC, seconds, `Z`; and, given the
    business time zone, the local clock time beside it ("… (23:30 Asia/Shanghai)")."""
    utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    text = utc.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if time_zone:
        text += f" ({utc.astimezone(ZoneInfo(time_zone)):%Y-%m-%d %H:%M:%S} {time_zone})"
    return text
