"""Inventory settings: environment variables INVENTORY_* (plus the unprefixed NATS_URL,
CHAINSTORE_ENV, CHAINSTORE_LOG_LEVEL). Read once in main, passed in."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from chainkit.config import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/inventory.db"
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    # Prometheus /metrics port; 0 turns the endpoint off.
    metrics_port: int = 0
    # How often held reservations past their deadline are looked for and released.
    expiry_sweep_interval_s: float = 1.0
