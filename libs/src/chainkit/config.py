"""Typed settings shared by every service. Read once in `main`, passed in, never global."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every gRPC service needs. Subclasses set `env_prefix` (e.g. ``INVENTORY_``)."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: str = Field(default="development", validation_alias="CHAINSTORE_ENV")
    log_level: str = Field(default="INFO", validation_alias="CHAINSTORE_LOG_LEVEL")
    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias="NATS_URL")
    # JetStream replicas of the stream this service owns (3 on a production cluster).
    nats_stream_replicas: int = Field(
        default=1, ge=1, le=5, validation_alias="NATS_STREAM_REPLICAS"
    )
    database_url: str = "sqlite+aiosqlite:///.data/service.db"
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    # Seconds in-flight RPCs get to finish on SIGTERM.
    shutdown_grace_s: float = 5.0
    # Run Alembic migrations at start-up (development); production runs them as a Job.
    migrate_on_start: bool = True
    # Seconds between the relay's reads of the outbox table for rows no relay holds in
    # memory (a replica that died between commit and publish; see chainkit.outbox).
    outbox_poll_s: float = 0.5
    # Seconds between refreshes of the metrics read from the database and JetStream
    # (outbox backlog, consumer lag; see chainkit.metrics_refresh).
    metrics_refresh_s: float = Field(default=5.0, gt=0)
