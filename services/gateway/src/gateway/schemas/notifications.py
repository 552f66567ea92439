"""A customer's inbox of order updates."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationPublic(BaseModel):
    id: str
    at: datetime
    type: str
    order_id: str
    order_no: str
    title: str
    body: str
    link: str
    read: bool


class MarkedRead(BaseModel):
    marked: int
