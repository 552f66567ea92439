from __future__ import annotations

import grpc
from fastapi import APIRouter

from chainkit.errors import FieldError, InvalidArgument
from gateway import accounts
from gateway.api.deps import HqUser, OrdersDep, UsersDep
from gateway.api.problems import documented
from gateway.schemas.auth import UserCreate, UserPublic

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.post("", status_code=201, responses=documented(401, 403, 409, 422))
async def create_user(
    body: UserCreate, _hq: HqUser, users: UsersDep, orders: OrdersDep
) -> UserPublic:
    body.check()
    if body.store_id:
        try:
            await orders.get_store(body.store_id)
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
    return UserPublic(
        username=user.username,
        role=user.role,
        store_id=user.store_id,
        customer_id=user.customer_id,
        created_at=user.created_at,
    )
