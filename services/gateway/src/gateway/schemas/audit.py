"""The audit trail as head office reads it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEntryPublic(BaseModel):
    at: datetime
    username: str
    role: str
    store_id: str | None
    action: str  # method and route template, e.g. "POST /v1/orders/{order_ref}/cancel"
    path: str  # the concrete path (ids only)
    status: int
    address: str
    idempotency_key: str | None
    correlation_id: str | None
