"""A customer's inbox pages newest first with chainkit's cursors; a cursor the inbox did not
issue is refused on the API's `cursor`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from chainkit import cursors
from chainkit.errors import InvalidArgument
from gateway.adapters.notification_store import GwNotification, NotificationStore
from gateway.feed.notices import Notice

AT = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[NotificationStore]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(GwNotification.metadata.create_all, tables=[GwNotification.__table__])
    yield NotificationStore(async_sessionmaker(engine, class_=AsyncSession))
    await engine.dispose()


def notice(n: int) -> Notice:
    return Notice(
        notice_id=f"ev-{n}",
        customer_id="C-ALICE",
        at=AT + timedelta(minutes=n),
        kind="paid",
        type="order.paid",
        order_id=f"o-{n}",
        order_no=f"CS{n:08d}",
        params={},
    )


async def test_pages_follow_each_other_newest_first(store: NotificationStore) -> None:
    for n in range(5):
        assert await store.add(notice(n))
    first, cursor = await store.page("C-ALICE", unread_only=False, limit=2, cursor=None)
    assert [x.notice.notice_id for x in first] == ["ev-4", "ev-3"]
    assert cursor
    second, cursor = await store.page("C-ALICE", unread_only=False, limit=2, cursor=cursor)
    assert [x.notice.notice_id for x in second] == ["ev-2", "ev-1"]
    last, cursor = await store.page("C-ALICE", unread_only=False, limit=2, cursor=cursor)
    assert [x.notice.notice_id for x in last] == ["ev-0"] and cursor is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage", cursors.encode("orders", ["x"]), cursors.encode("notifications", ["x", "y"])],
    ids=["garbage", "another-listing", "not-a-time"],
)
async def test_a_cursor_the_inbox_did_not_issue_is_refused(
    store: NotificationStore, cursor: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await store.page("C-ALICE", unread_only=False, limit=2, cursor=cursor)
    assert [e.field for e in refused.value.errors] == ["cursor"]
