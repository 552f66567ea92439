"""What every command shares: where the services are, `--json`, and running a command's
async body with errors an operator can read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

import typer

from chainstore_cli.connection import CliError, Services
from chainstore_cli.render import error

T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]

# Exit codes: 1 when the command found something wrong (drift, a replay that failed
# again), 2 when it could not do its job (a service unreachable or refusing).
FOUND_PROBLEMS = 1
FAILED = 2


@dataclass(frozen=True)
class Target:
    addrs: dict[str, str]
    gateway: str
    token: str
    user: str
    password: str
    timeout_s: float


def target(ctx: typer.Context) -> Target:
    found = ctx.find_object(Target)
    assert found is not None, "the app callback sets it"
    return found


def run(ctx: typer.Context, body: Callable[[Services], Awaitable[T]]) -> T:
    """Run `body` with channels to the services; a CliError ends the command (exit 2)."""
    where = target(ctx)

    async def main() -> T:
        services = Services(where.addrs, where.timeout_s)
        try:
            return await body(services)
        finally:
            await services.close()

    with cli_errors():
        return asyncio.run(main())


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """A CliError inside ends the command: its message on stderr, exit 2."""
    try:
        yield
    except CliError as e:
        error(str(e))
        raise typer.Exit(FAILED) from None
