"""Cross-service fixtures: the whole suite as real processes, driven over HTTP."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from chainstore_dev.devstack import Stack

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


class Api:
    """A logged-in HTTP client per demo user."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def login(self, username: str, password: str) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, timeout=15)
        r = client.post("/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        return client


@pytest.fixture(scope="module")
def api(stack: Stack) -> Api:
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def hq(api: Api, stack: Stack) -> httpx.Client:
    return api.login("hq", stack.hq_password)


@pytest.fixture(scope="module")
def alice(api: Api) -> httpx.Client:
    return api.login("alice", "alice-demo-pass")


@pytest.fixture(scope="module")
def bob(api: Api) -> httpx.Client:
    return api.login("bob", "bob-demo-pass")


@pytest.fixture(scope="module")
def s001(api: Api) -> httpx.Client:
    return api.login("s001", "s001-demo-pass")


@pytest.fixture(scope="module")
def s002(api: Api) -> httpx.Client:
    return api.login("s002", "s002-demo-pass")


# ---------------------------------------------------------------- deploy/ rendered


@pytest.fixture(scope="session")
def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        message = "kubectl not found: deploy/ manifests cannot be rendered"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@functools.cache
def _render(kubectl: str, path: str) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, f"kubectl kustomize {path} failed:\n{out.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


@pytest.fixture(scope="session")
def render(kubectl: str) -> Any:
    """`kubectl kustomize deploy/<path>` as a tuple of objects (cached per path)."""
    return lambda path: _render(kubectl, path)
