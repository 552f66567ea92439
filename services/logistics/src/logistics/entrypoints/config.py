"""Typed settings of the logistics process (env prefix `LOGISTICS_`)."""

from __future__ import annotations

from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from chainkit.config import ServiceSettings

DEV_CARRIER_SECRET = "dev-carrier-secret"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOGISTICS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/logistics.db"
    grpc_port: int = 50053
    metrics_port: int = 0
    carrier_sim_url: str = Field(
        default="http://127.0.0.1:8090",
        validation_alias=AliasChoices("CARRIER_SIM_URL", "LOGISTICS_CARRIER_SIM_URL"),
    )
    # Verifies carriers' webhook signatures; must equal the simulator's CARRIER_SIM_SECRET.
    carrier_secret: str = DEV_CARRIER_SECRET
    # The base poll interval: each carrier's cadence is a multiple of it (faster near
    # delivery). Production with real carriers: minutes; the demo simulator: seconds.
    poll_interval_s: float = Field(default=2.0, gt=0)
    # Multiplies every carrier's stall limits (hours in real life; the demo shrinks them).
    stall_scale: float = Field(default=1.0, gt=0)
    # Seconds between two sweeps for stalled parcels and silent pushing carriers.
    stall_sweep_interval_s: float = Field(default=60.0, gt=0)
    carrier_timeout_s: float = 5.0

    @model_validator(mode="after")
    def _no_dev_secret_outside_development(self) -> Self:
        if self.environment != "development" and self.carrier_secret == DEV_CARRIER_SECRET:
            raise ValueError("set LOGISTICS_CARRIER_SECRET outside development")
        return self
