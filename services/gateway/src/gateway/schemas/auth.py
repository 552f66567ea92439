"""Tokens and user accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from chainkit.errors import FieldError, InvalidArgument
from gateway.core.security import Role, normalise_username
from gateway.schemas.common import Id

# Normalised before it is checked (NFKC, case-folded): look-alikes name the same account.
Username = Annotated[
    str,
    StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.@-]*$"),
    BeforeValidator(lambda v: normalise_username(v) if isinstance(v, str) else v),
]


class TokenRequest(BaseModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Role
    # Renews the session at POST /v1/auth/refresh (each use hands out a new one).
    refresh_token: str | None = None


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordChange(BaseModel):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Annotated[str, Field(min_length=8, max_length=256)]


class UserCreate(BaseModel):
    username: Username
    password: Annotated[str, Field(min_length=8, max_length=256)]
    role: Role
    store_id: Id | None = None
    customer_id: Id | None = None

    def check(self) -> None:
        """Role and ids must agree: staff belong to a store, customers are a customer."""
        errors = []
        if self.role == "store" and not self.store_id:
            errors.append(FieldError("store_id", "required for role store"))
        if self.role != "store" and self.store_id:
            errors.append(FieldError("store_id", "only staff (role store) belong to a store"))
        if self.role != "customer" and self.customer_id:
            errors.append(FieldError("customer_id", "only customers have a customer_id"))
        if errors:
            raise InvalidArgument("invalid user", errors)


class UserPublic(BaseModel):
    """An account as head office sees it (never its password hash)."""

    username: str
    role: Role
    store_id: str | None
    customer_id: str | None
    created_at: datetime
    # A disabled account cannot sign in and has no live session.
    disabled: bool = False
    disabled_at: datetime | None = None


class UserDetail(UserPublic):
    live_sessions: int = Field(description="sign-in sessions neither ended nor expired")


class UserUpdate(BaseModel):
    """Head office's changes to another account; a field left out is left as it is.
    Disabling it or a new password ends every session of the account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"disabled": True},
                {"disabled": False},
                {"password": "a-new-password-to-hand-over"},
            ]
        }
    )

    disabled: bool | None = Field(
        default=None, description="true: no sign-in, every session ended; false: enabled again"
    )
    password: Annotated[str, Field(min_length=8, max_length=256)] | None = Field(
        default=None, description="a new password (the account's sessions end)"
    )
