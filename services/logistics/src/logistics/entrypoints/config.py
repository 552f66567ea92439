"""Typed settings of the logistics process (env prefix `LOGISTICS_`)."""

from __future__ import annotations

from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from chainkit.config import ServiceSettings

DEV_CARRIER_SECRET = "dev-carrier-secret"
DEV_AGGREGATOR_KEY = "dev-aggregator-key"
DEV_AGGREGATOR_SALT = "dev-aggregator-salt"


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
    # The Kuaidi100-style tracking aggregator: a real account is these settings. An empty
    # URL means the simulator's ({carrier_sim_url}/kuaidi100).
    aggregator_url: str = ""
    aggregator_key: str = DEV_AGGREGATOR_KEY
    aggregator_customer: str = "dev-aggregator-customer"
    # Signs the aggregator's pushes to us (we choose it when subscribing).
    aggregator_salt: str = DEV_AGGREGATOR_SALT
    # Where the aggregator can reach the gateway: pushes go to /v1/carriers/{code}/events.
    aggregator_callback_base: str = Field(
        default="http://127.0.0.1:8080",
        validation_alias=AliasChoices(
            "LOGISTICS_AGGREGATOR_CALLBACK_BASE", "CARRIER_SIM_WEBHOOK_BASE"
        ),
    )
    # Carriers tracked through the aggregator (comma-separated codes), and the aggregator's
    # company code of each carrier (code=company, comma-separated).
    aggregator_carriers: str = "ems"
    aggregator_companies: str = "sf=shunfeng,zto=zhongtong,yto=yuantong,jd=jd,ems=ems"

    @property
    def aggregator_tracked(self) -> list[str]:
        return [c.strip() for c in self.aggregator_carriers.split(",") if c.strip()]

    @property
    def aggregator_company_codes(self) -> dict[str, str]:
        pairs = (p.split("=", 1) for p in self.aggregator_companies.split(",") if "=" in p)
        return {code.strip(): company.strip() for code, company in pairs}

    @model_validator(mode="after")
    def _no_dev_secret_outside_development(self) -> Self:
        if self.environment != "development" and self.carrier_secret == DEV_CARRIER_SECRET:
            raise ValueError("set LOGISTICS_CARRIER_SECRET outside development")
        # A real aggregator account (its URL set) with the published key or salt: anyone
        # could forge its pushes.
        if self.aggregator_url and self.aggregator_key == DEV_AGGREGATOR_KEY:
            raise ValueError("set LOGISTICS_AGGREGATOR_KEY with LOGISTICS_AGGREGATOR_URL")
        if self.aggregator_url and self.aggregator_salt == DEV_AGGREGATOR_SALT:
            raise ValueError("set LOGISTICS_AGGREGATOR_SALT with LOGISTICS_AGGREGATOR_URL")
        return self
