"""Head office managing other people's accounts: list, look up, disable or enable, reset a
password. Disabling or a reset ends every session of the account (refused at once on this
replica, within `live_sessions.RECHECK_S` on the others); a disabled account cannot sign in
and its sessions stay refused even if one was opened while it was being disabled."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from chainkit.errors import Conflict, NotFound
from gateway.accounts import HQ_USERNAME
from gateway.adapters.users import UserQuery, UserRecord, UserRepository
from gateway.core.security import Principal, normalise_username

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserChange:
    """What a PATCH asks for; None leaves that part as it is."""

    disabled: bool | None = None
    password: str | None = None


@dataclass(frozen=True)
class UserPage:
    users: list[UserRecord]
    # The last username of this page when more follow.
    after: str | None


async def list_users(users: UserRepository, query: UserQuery) -> UserPage:
    found = await users.find(replace(query, limit=query.limit + 1))  # one more: any next?
    page = found[: query.limit]
    return UserPage(page, page[-1].username if len(found) > query.limit else None)


async def get_user(users: UserRepository, username: str) -> UserRecord:
    user = await users.get(normalise_username(username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


async def live_sessions(users: UserRepository, user: UserRecord) -> int:
    return 0 if user.disabled else len(await users.active_sessions_of(user.username))


async def change_user(
    users: UserRepository, actor: Principal, username: str, change: UserChange
) -> UserRecord:
    """Apply `change` to another account. Head office does not lock itself out (disabling
    one's own account) nor reset its own password here (that takes the current one, at
    POST /v1/auth/password); the `hq` account's password is the configured one."""
    user = await get_user(users, username)
    if user.username == actor.username and change != UserChange():
        raise Conflict(
            "your own account is changed at POST /v1/auth/password, and never disabled by you"
        )
    if change.password is not None and user.username == HQ_USERNAME:
        raise Conflict("the hq account's password is CHAINSTORE_HQ_PASSWORD; change it there")
    if change == UserChange():
        return user
    password_hash = None
    if change.password is not None:
        password_hash = await asyncio.to_thread(users.passwords.hash, change.password)
    # A new password or a disabled account ends every session it has.
    end_sessions = change.password is not None or bool(change.disabled)
    ended = await users.change(
        user.username,
        password_hash=password_hash,
        disabled=change.disabled,
        end_sessions=end_sessions,
    )
    if end_sessions:
        log.info(
            "account changed by head office; sessions revoked",
            extra={
                "fields": {
                    "username": user.username,
                    "by": actor.username,
                    "password_reset": change.password is not None,
                    "disabled": change.disabled,
                    "sessions": ended,
                }
            },
        )
    elif change.disabled is False:
        log.info(
            "account enabled by head office",
            extra={"fields": {"username": user.username, "by": actor.username}},
        )
    return await get_user(users, user.username)
