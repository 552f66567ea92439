"""Settings of the orders process, read once in main and passed in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import SettingsConfigDict

from chainkit.config import ServiceSettings
from orders.domain.business_day import DEFAULT_BUSINESS_TZ, time_zone
from orders.service_layer.reservation_audit import DEFAULT_GRACE_S

# Environment variables that have no sensible default, and what they are.
REQUIRED = {
    "inventory_addr": "INVENTORY_ADDR (host:port of the inventory gRPC service)",
    "logistics_addr": "LOGISTICS_ADDR (host:port of the logistics gRPC service)",
}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/orders.db"
    grpc_port: int = 50052
    metrics_port: int = 0
    inventory_addr: str = Field(validation_alias="INVENTORY_ADDR", min_length=1)
    logistics_addr: str = Field(validation_alias="LOGISTICS_ADDR", min_length=1)
    # Deadline of each call to inventory or logistics.
    peer_timeout_s: float = 5.0
    # Seconds between sweeps cancelling orders whose payment deadline passed (0 = off).
    expiry_interval_s: float = 10.0
    # The IANA time zone of the chain's business days (order numbers, analytics "today").
    business_tz: str = DEFAULT_BUSINESS_TZ
    # How long order placement keeps a store's settings and a product's name and price
    # before reading them again: a change applies to new orders within this (0 = always read).
    master_data_ttl_s: float = Field(default=2.0, ge=0, le=60)
    # The reservation audit (AuditReservations) skips holds younger than this: their order
    # may still be being created.
    reservation_grace_s: float = Field(default=DEFAULT_GRACE_S, ge=0)

    @field_validator("business_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        time_zone(value)  # ValueError names the zone
        return value

    @property
    def business_zone(self) -> ZoneInfo:
        return time_zone(self.business_tz)


def load_settings() -> Settings:
    """Settings from the environment; a missing peer address stops the process at once."""
    try:
        return Settings()
    except ValidationError as e:
        names = {str(err["loc"][0]).lower() for err in e.errors() if err["loc"]}
        missing = [text for field, text in REQUIRED.items() if field in names]
        if missing:
            raise SystemExit("orders: set " + " and ".join(missing)) from None
        raise SystemExit(f"orders: invalid settings: {e}") from None
