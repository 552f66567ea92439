"""A customer's inbox: the updates about their orders, kept while they are away."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query

from chainkit.errors import Unavailable
from gateway.adapters.notification_store import NotificationStore, StoredNotice
from gateway.api.deps import CursorQuery, LimitQuery, StateDep, require_role
from gateway.api.problems import documented
from gateway.core.security import Principal
from gateway.feed.texts import language, notice
from gateway.schemas.common import Page
from gateway.schemas.notifications import MarkedRead, NotificationPublic

router = APIRouter(
    prefix="/v1/notifications", tags=["live feed"], responses=documented(401, 403, 503)
)

CustomerUser = Annotated[Principal, Depends(require_role("customer"))]
AcceptLanguage = Annotated[str | None, Header(max_length=200)]
NoticeId = Annotated[str, Path(min_length=1, max_length=36)]


def _store(state: StateDep) -> NotificationStore:
    if state.feed is None:
        raise Unavailable("the gateway is starting")
    return state.feed.notifications


Store = Annotated[NotificationStore, Depends(_store)]


def _out(item: StoredNotice, lang: str) -> NotificationPublic:
    n = item.notice
    title, body = notice(lang, n.kind, {"order_no": n.order_no, **n.params})
    return NotificationPublic(
        id=n.notice_id,
        at=n.at,
        type=n.type,
        order_id=n.order_id,
        order_no=n.order_no,
        title=title,
        body=body,
        link=f"/my/orders/{n.order_no}",
        read=item.read,
    )


@router.get("", responses=documented(422))
async def list_notifications(
    user: CustomerUser,
    store: Store,
    accept_language: AcceptLanguage = None,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[NotificationPublic]:
    """Newest first."""
    items, next_cursor = await store.page(
        user.customer_id or "", unread_only=unread, limit=limit, cursor=cursor
    )
    lang = language(accept_language)
    return Page(items=[_out(i, lang) for i in items], next_cursor=next_cursor)


@router.post("/read-all")
async def read_all(user: CustomerUser, store: Store) -> MarkedRead:
    return MarkedRead(marked=await store.mark_read(user.customer_id or "", None))


@router.post("/{notice_id}/read", responses=documented(404))
async def read_one(notice_id: NoticeId, user: CustomerUser, store: Store) -> MarkedRead:
    return MarkedRead(marked=await store.mark_read(user.customer_id or "", notice_id))
