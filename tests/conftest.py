"""Cross-service fixtures: the whole suite as real processes, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainkit.devstack import Ports, Stack
from chainkit.devstack.running import seeded_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("stack")
    suite = Stack(data_dir=data_dir, ports=Ports.free(), carrier_pace_s=0.3)
    with seeded_stack(suite):
        yield suite


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
