"""The whole suite as real processes, and the `chainstore` command pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from chainstore_cli.app import app
from chainstore_dev.devstack import Stack


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.exit_code == 0, (self.exit_code, self.stdout, self.stderr)
        return json.loads(self.stdout)


@dataclass
class Cli:
    """`chainstore --orders … --inventory … --logistics … --gateway …` against the stack."""

    stack: Stack

    def connection_args(self) -> list[str]:
        p = self.stack.ports
        return [
            "--orders",
            f"127.0.0.1:{p.orders}",
            "--inventory",
            f"127.0.0.1:{p.inventory}",
            "--logistics",
            f"127.0.0.1:{p.logistics}",
            "--gateway",
            self.stack.gateway_url,
        ]

    def __call__(self, *args: str, before: tuple[str, ...] = (), input: str | None = None) -> Ran:
        """`input`: what the command reads from stdin (prompts, --password-stdin)."""
        # Wide enough that Rich does not fold a table cell in the middle of a word.
        runner = CliRunner(env={"COLUMNS": "200"})
        result = runner.invoke(app, [*self.connection_args(), *before, *args], input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def cli(stack: Stack) -> Cli:
    return Cli(stack)


SignIn = Callable[[str, str], httpx.Response]


@pytest.fixture(scope="module")
def sign_in(stack: Stack) -> SignIn:
    """`sign_in(username, password)`: the gateway's answer to a password sign-in."""

    def post(username: str, password: str) -> httpx.Response:
        return httpx.post(
            f"{stack.gateway_url}/v1/auth/token",
            json={"username": username, "password": password},
            timeout=15,
        )

    return post
