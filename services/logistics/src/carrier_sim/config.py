"""Settings of the carrier simulator (env prefix `CARRIER_SIM_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARRIER_SIM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8090
    # Seconds between two scans of one parcel.
    pace_s: float = Field(default=12.0, gt=0)
    # Where push-mode carriers post their scans (the gateway in the demo).
    webhook_base: str = "http://127.0.0.1:8080"
    # Signs pushed bodies; must equal LOGISTICS_CARRIER_SECRET.
    secret: str = "dev-carrier-secret"
    # Finished parcels are forgotten after this long (the simulator keeps state in memory).
    retain_s: float = 6 * 3600.0
    webhook_timeout_s: float = 5.0
    # zto's rate limit on tracking queries: a token bucket (per second, burst).
    zto_rate_per_s: float = Field(default=20.0, gt=0)
    zto_burst: int = Field(default=20, gt=0)
    # The Kuaidi100-style aggregator: the key subscribers must give, the customer id
    # that signs poll queries, and its unreliability: chance a (non-final) push is never
    # sent, chance it is sent twice, and the largest extra delay of a push in paces
    # (independent delays reorder).
    aggregator_key: str = "dev-aggregator-key"
    aggregator_customer: str = "dev-aggregator-customer"
    aggregator_drop_p: float = Field(default=0.2, ge=0, le=1)
    aggregator_repeat_p: float = Field(default=0.2, ge=0, le=1)
    aggregator_delay_paces: float = Field(default=1.5, ge=0)
    # Seeds the simulator's randomness (waybill numbers excepted) for reproducible runs.
    seed: int | None = None
    log_level: str = Field(default="INFO", validation_alias="CHAINSTORE_LOG_LEVEL")
