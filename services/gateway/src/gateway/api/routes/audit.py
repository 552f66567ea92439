from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chainkit.errors import FieldError, InvalidArgument, Unavailable
from gateway.adapters.audit import AuditQuery
from gateway.api.deps import CursorQuery, HqUser, LimitQuery, StateDep
from gateway.api.problems import documented
from gateway.schemas.audit import AuditEntryPublic
from gateway.schemas.common import Page

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Filter = Annotated[str | None, Query(max_length=200)]


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidArgument("invalid cursor", [FieldError("cursor", "not a cursor of this list")])
    return int(cursor)


@router.get("", responses=documented(503))
async def list_audit(
    _hq: HqUser,
    state: StateDep,
    username: Filter = None,
    role: Literal["store", "hq"] | None = None,
    store_id: Filter = None,
    action: Annotated[
        str | None, Query(max_length=200, description='e.g. "POST /v1/orders/{order_ref}/cancel"')
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[AuditEntryPublic]:
    """Every change made by store staff or head office, newest first (head office only)."""
    if state.audit is None:
        raise Unavailable("the gateway is starting")
    entries = await state.audit.find(
        AuditQuery(
            username=username,
            role=role,
            store_id=store_id,
            action=action,
            since=since,
            until=until,
            before_id=_before(cursor),
            limit=limit,
        )
    )
    items = [
        AuditEntryPublic(
            at=e.at,
            username=e.username,
            role=e.role,
            store_id=e.store_id,
            action=e.action,
            path=e.path,
            status=e.status,
            address=e.address,
            idempotency_key=e.idempotency_key,
            correlation_id=e.correlation_id,
        )
        for e in entries
    ]
    last = entries[-1].id if len(entries) == limit and entries else None
    return Page(items=items, next_cursor=str(last) if last is not None else None)
