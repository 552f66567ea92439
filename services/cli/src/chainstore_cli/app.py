"""The `chainstore` command: global options say where the services are; each command group
lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from chainstore_cli import dead_letters, ops, orders, reconcile, stock, users
from chainstore_cli.connection import DEFAULT_ADDRS, DEFAULT_GATEWAY
from chainstore_cli.context import Target

app = typer.Typer(
    name="chainstore",
    help="Operate chainstore: stock, orders, reconciliation, outbox, consumers, dead letters, "
    "users. Every command takes --json for scripts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _addr(service: str) -> object:
    return typer.Option(
        f"--{service}",
        envvar=f"CHAINSTORE_{service.upper()}_ADDR",
        help=f"The {service} gRPC address: host:port, or every replica's "
        "(ipv4:HOST:PORT,HOST:PORT or dns:///NAME:PORT).",
    )


@app.callback()
def connect(
    ctx: typer.Context,
    orders_addr: Annotated[str, _addr("orders")] = DEFAULT_ADDRS["orders"],
    inventory_addr: Annotated[str, _addr("inventory")] = DEFAULT_ADDRS["inventory"],
    logistics_addr: Annotated[str, _addr("logistics")] = DEFAULT_ADDRS["logistics"],
    gateway: Annotated[
        str, typer.Option("--gateway", envvar="CHAINSTORE_GATEWAY_URL", help="The gateway's URL.")
    ] = DEFAULT_GATEWAY,
    token: Annotated[
        str,
        typer.Option("--token", envvar="CHAINSTORE_TOKEN", help="A head-office bearer token."),
    ] = "",
    user: Annotated[
        str, typer.Option("--user", envvar="CHAINSTORE_USER", help="Head-office user to sign in.")
    ] = "",
    password: Annotated[
        str,
        typer.Option("--password", envvar="CHAINSTORE_PASSWORD", help="That user's password."),
    ] = "",
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds each call may take.")
    ] = 10.0,
) -> None:
    ctx.obj = Target(
        addrs={"orders": orders_addr, "inventory": inventory_addr, "logistics": logistics_addr},
        gateway=gateway,
        token=token,
        user=user,
        password=password,
        timeout_s=timeout_s,
    )


app.add_typer(stock.app, name="stock")
app.add_typer(orders.app, name="order")
app.command("reconcile")(reconcile.reconcile)
app.command("outbox")(ops.outbox)
app.command("consumers")(ops.consumers)
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(users.app, name="users")


def main() -> None:
    app()
