from __future__ import annotations

from typing import Annotated

import grpc
from fastapi import APIRouter, Path, Query

from chainkit.errors import FieldError, InvalidArgument
from chainstore.orders.v1 import orders_pb2
from gateway import account_admin, accounts
from gateway.account_admin import UserChange
from gateway.adapters.users import UserQuery, UserRecord, UserRepository
from gateway.api.deps import CursorQuery, HqUser, LimitQuery, OrdersDep, UsersDep
from gateway.api.problems import documented
from gateway.core.security import Role
from gateway.schemas.auth import UserCreate, UserDetail, UserPublic, UserUpdate
from gateway.schemas.common import Page

router = APIRouter(prefix="/v1/users", tags=["users"])

UsernamePath = Annotated[str, Path(min_length=1, max_length=64, description="e.g. s001")]


def user_out(user: UserRecord) -> UserPublic:
    return UserPublic(
        username=user.username,
        role=user.role,
        store_id=user.store_id,
        customer_id=user.customer_id,
        created_at=user.created_at,
        disabled=user.disabled,
        disabled_at=user.disabled_at,
    )


def _after(cursor: str | None) -> str | None:
    """The cursor is the last username of the previous page."""
    if cursor is not None and len(cursor) > 64:
        raise InvalidArgument("invalid cursor", [FieldError("cursor", "not a cursor of this list")])
    return cursor


@router.post("", status_code=201, responses=documented(401, 403, 409, 422))
async def create_user(
    body: UserCreate, _hq: HqUser, users: UsersDep, orders: OrdersDep
) -> UserPublic:
    body.check()
    if body.store_id:
        try:
            await orders.GetStore(orders_pb2.GetStoreRequest(store_id=body.store_id))
        except grpc.aio.AioRpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
            raise InvalidArgument(
                "invalid user", [FieldError("store_id", f"no store {body.store_id!r}")]
            ) from None
    user = await accounts.create_user(
        users,
        username=body.username,
        password=body.password,
        role=body.role,
        store_id=body.store_id,
        customer_id=body.customer_id,
    )
    return user_out(user)


@router.get("")
async def list_users(
    _hq: HqUser,
    users: UsersDep,
    role: Role | None = None,
    store_id: Annotated[str | None, Query(max_length=64, description="staff of this store")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[UserPublic]:
    """Every account by username, disabled ones included (head office only)."""
    page = await account_admin.list_users(
        users, UserQuery(role=role, store_id=store_id, after=_after(cursor), limit=limit)
    )
    return Page(items=[user_out(u) for u in page.users], next_cursor=page.after)


@router.get("/{username}")
async def get_user(username: UsernamePath, _hq: HqUser, users: UsersDep) -> UserDetail:
    """One account and how many sign-in sessions it has live (head office only)."""
    return await _detail(users, await account_admin.get_user(users, username))


@router.patch("/{username}", responses=documented(409))
async def update_user(
    username: UsernamePath, body: UserUpdate, hq: HqUser, users: UsersDep
) -> UserDetail:
    """Disable or enable another account, or reset its password (head office only). Either
    ends every session of the account at once on this replica and within a second on the
    others; a disabled account cannot sign in until enabled again."""
    user = await account_admin.change_user(
        users, hq, username, UserChange(disabled=body.disabled, password=body.password)
    )
    return await _detail(users, user)


async def _detail(users: UserRepository, user: UserRecord) -> UserDetail:
    live = await account_admin.live_sessions(users, user)
    return UserDetail(**user_out(user).model_dump(), live_sessions=live)
