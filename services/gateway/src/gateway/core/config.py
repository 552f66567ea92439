"""Gateway settings: read once in `main`, passed in. Refuses unsafe defaults outside development."""

from __future__ import annotations

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from chainkit.config import ServiceSettings
from gateway.core.passwords import (
    OWASP_MEMORY_KIB,
    OWASP_PARALLELISM,
    OWASP_TIME_COST,
    Passwords,
)

DEFAULT_JWT_SECRET = "chainstore-development-jwt-secret-do-not-use"
# Only ever used in development when CHAINSTORE_HQ_PASSWORD is unset (and logged loudly).
DEVELOPMENT_HQ_PASSWORD = "hq-development"
MIN_SECRET_LENGTH = 32
# The passwords development tooling uses for hq (make run's and the test suite's).
DEFAULT_HQ_PASSWORDS = frozenset({DEVELOPMENT_HQ_PASSWORD, "hq-dev-password"})


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite+aiosqlite:///.data/gateway.db"
    # Signing keys, space-separated: the first signs, each verifies its own tokens (by kid).
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    # Access tokens are short-lived; a refresh token renews them for session_ttl_s.
    token_ttl_s: int = Field(default=900, gt=0)
    session_ttl_s: int = Field(default=7 * 24 * 3600, gt=0)
    # Argon2id cost (OWASP's recommendation by default: 19 MiB, 2 passes, 1 lane).
    password_memory_kib: int = Field(default=OWASP_MEMORY_KIB, ge=8 * 1024)
    password_time_cost: int = Field(default=OWASP_TIME_COST, ge=1)
    password_parallelism: int = Field(default=OWASP_PARALLELISM, ge=1)
    hq_password: SecretStr | None = Field(
        default=None,
        validation_alias="CHAINSTORE_HQ_PASSWORD",
    )
    inventory_addr: str = Field(default="127.0.0.1:50051", validation_alias="INVENTORY_ADDR")
    orders_addr: str = Field(default="127.0.0.1:50052", validation_alias="ORDERS_ADDR")
    logistics_addr: str = Field(default="127.0.0.1:50053", validation_alias="LOGISTICS_ADDR")
    # Deadline of every gRPC call the gateway makes (passed as `timeout=` per call).
    rpc_timeout_s: float = Field(default=5.0, gt=0)
    # Deadline of a whole request: the gRPC calls made to serve it end by then
    # (chainkit.deadlines), each also within rpc_timeout_s.
    request_deadline_s: float = Field(default=10.0, gt=0)
    # One JSON line per request on the `gateway.access` logger (gateway.api.middleware).
    access_log: bool = False
    # Deadline of each dependency probe behind /readyz.
    ready_timeout_s: float = Field(default=1.0, gt=0)
    # Largest carrier webhook body accepted.
    max_webhook_bytes: int = 1_048_576
    # /metrics: unset → on the public port in development, on 9464 elsewhere (the public
    # port then answers 404 there); a number → that port always.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Largest request body accepted on any route (413 beyond it).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Live feed: follow the services' events over NATS (off only for tests without NATS).
    live_feed: bool = True
    # How far back a reconnecting feed client can resume; older cursors get `event: reset`.
    feed_retention_s: float = Field(default=24 * 3600.0, gt=0)
    # Events buffered per connected client; a client further behind is dropped.
    feed_client_buffer: int = Field(default=1000, ge=10)
    feed_heartbeat_s: float = Field(default=15.0, gt=0)
    # Rate limits ("N/second|minute|hour|day", the `limits` notation). In process unless
    # redis_url names a Redis shared by every replica (e.g. redis://127.0.0.1:6379/0).
    redis_url: str | None = None
    rate_limits_enabled: bool = True
    rate_limit_per_address: str = "3000/minute"
    rate_limit_per_token: str = "1200/minute"
    rate_limit_carrier_webhook: str = "1200/minute"
    # Failed sign-ins counted before the password is checked.
    rate_limit_signin_per_account_address: str = "5/minute"
    rate_limit_signin_per_address: str = "30/minute"
    rate_limit_signin_per_account: str = "100/hour"

    @field_validator(
        "rate_limit_per_address",
        "rate_limit_per_token",
        "rate_limit_carrier_webhook",
        "rate_limit_signin_per_account_address",
        "rate_limit_signin_per_address",
        "rate_limit_signin_per_account",
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit like '30/minute'") from None
        return value

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.is_development:
            return self
        problems = []
        if self.hq_password is None or not self.hq_password.get_secret_value():
            problems.append("CHAINSTORE_HQ_PASSWORD must be set")
        elif self.hq_password.get_secret_value() in DEFAULT_HQ_PASSWORDS:
            problems.append("CHAINSTORE_HQ_PASSWORD must not be a development default")
        keys = self.jwt_secret.get_secret_value().split()
        if not keys or any(k == DEFAULT_JWT_SECRET or len(k) < MIN_SECRET_LENGTH for k in keys):
            problems.append(
                f"GATEWAY_JWT_SECRET must be set to a secret of {MIN_SECRET_LENGTH}+ characters"
            )
        if problems:
            raise ValueError(f"environment {self.environment!r}: " + "; ".join(problems))
        return self

    def passwords(self) -> Passwords:
        return Passwords(
            memory_kib=self.password_memory_kib,
            time_cost=self.password_time_cost,
            parallelism=self.password_parallelism,
        )

    def effective_hq_password(self) -> str:
        if self.hq_password is not None and self.hq_password.get_secret_value():
            return self.hq_password.get_secret_value()
        return DEVELOPMENT_HQ_PASSWORD
