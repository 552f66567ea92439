"""Settings come from the documented environment variables; no dev secret in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from carrier_sim.config import SimSettings
from logistics.entrypoints.config import Settings


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.grpc_port, defaults.poll_interval_s) == (50053, 2.0)
    assert defaults.carrier_sim_url == "http://127.0.0.1:8090"
    monkeypatch.setenv("CARRIER_SIM_URL", "http://sim:9000")
    monkeypatch.setenv("LOGISTICS_CARRIER_SECRET", "s3cret")
    monkeypatch.setenv("LOGISTICS_POLL_INTERVAL_S", "0.5")
    settings = Settings()
    assert (settings.carrier_sim_url, settings.carrier_secret) == ("http://sim:9000", "s3cret")
    assert settings.poll_interval_s == 0.5


def test_dev_secret_refused_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINSTORE_ENV", "production")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("LOGISTICS_CARRIER_SECRET", "real")
    assert Settings().carrier_secret == "real"


def test_a_real_aggregator_needs_its_own_key_and_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGISTICS_AGGREGATOR_URL", "https://poll.aggregator.example")
    with pytest.raises(ValidationError, match="LOGISTICS_AGGREGATOR_KEY"):
        Settings()
    monkeypatch.setenv("LOGISTICS_AGGREGATOR_KEY", "live-key")
    with pytest.raises(ValidationError, match="LOGISTICS_AGGREGATOR_SALT"):
        Settings()
    monkeypatch.setenv("LOGISTICS_AGGREGATOR_SALT", "live-salt")
    assert Settings().aggregator_url == "https://poll.aggregator.example"


def test_simulator_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = SimSettings()
    assert (sim.port, sim.pace_s, sim.secret) == (8090, 12.0, "dev-carrier-secret")
    assert sim.webhook_base == "http://127.0.0.1:8080"
    monkeypatch.setenv("CARRIER_SIM_PACE_S", "0.2")
    assert SimSettings().pace_s == 0.2
