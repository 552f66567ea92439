"""`chainstore users ...`: accounts, through the gateway's REST admin API (head office)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import typer

from chainstore_cli.context import JsonOpt, cli_errors, target
from chainstore_cli.gateway import Gateway
from chainstore_cli.render import emit_json, error, facts, table

app = typer.Typer(
    help="User accounts (through the gateway): create, list, show, disable, enable, "
    "reset a password.",
    no_args_is_help=True,
)
ROLES = ("hq", "store", "customer")
PAGE = 200  # the gateway's largest page
T = TypeVar("T")

UsernameArg = Annotated[str, typer.Argument(help="The account's username.")]


def _with_gateway(ctx: typer.Context, body: Callable[[Gateway], T]) -> T:
    """Run `body` signed in to the gateway; a CliError ends the command (exit 2)."""
    with cli_errors(), Gateway(target(ctx)) as gateway:
        return body(gateway)


def _path(username: str) -> str:
    return f"/v1/users/{quote(username, safe='')}"


def _status(user: dict[str, Any]) -> str:
    return f"disabled since {user['disabled_at']}" if user.get("disabled") else "active"


def _row(user: dict[str, Any]) -> list[object]:
    fields = ("username", "role", "store_id", "customer_id", "created_at")
    return [*(user[f] for f in fields), _status(user)]


def _check_role(role: str, hint: str) -> None:
    if role and role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}", param_hint=hint)


@app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The new account's name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    store_id: Annotated[str, typer.Option("--store-id", help="Staff's store (role store).")] = "",
    customer_id: Annotated[
        str, typer.Option("--customer-id", help="The customer it is (role customer).")
    ] = "",
    password: Annotated[
        str,
        typer.Option(
            "--new-password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="The new account's password (asked for when not given).",
        ),
    ] = "",
    json: JsonOpt = False,
) -> None:
    """Create an account (head office only)."""
    _check_role(role, "--role")
    body: dict[str, Any] = {"username": username, "password": password, "role": role}
    if store_id:
        body["store_id"] = store_id
    if customer_id:
        body["customer_id"] = customer_id
    user = _with_gateway(ctx, lambda gw: gw.call("POST", "/v1/users", json=body))
    if json:
        emit_json(user)
        return
    facts(f"User {user['username']} created", [(k, v) for k, v in user.items()])


@app.command("list")
def list_(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help=f"Only this role: {', '.join(ROLES)}.")] = "",
    store: Annotated[str, typer.Option("--store", help="Only staff of this store.")] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 1000,
    json: JsonOpt = False,
) -> None:
    """Accounts by username, disabled ones included."""
    _check_role(role, "--role")
    wanted = {k: v for k, v in {"role": role, "store_id": store}.items() if v}

    def body(gw: Gateway) -> tuple[list[dict[str, Any]], bool]:
        found: list[dict[str, Any]] = []
        cursor = None
        while len(found) < limit:
            params = {**wanted, "limit": min(PAGE, limit - len(found))}
            page = gw.call(
                "GET", "/v1/users", params={**params, "cursor": cursor} if cursor else params
            )
            found += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        return found, cursor is not None

    users, more = _with_gateway(ctx, body)
    if json:
        emit_json(users)
    else:
        table(
            f"Users ({len(users)}{'+' if more else ''})",
            ["username", "role", "store", "customer", "created", "status"],
            [_row(u) for u in users],
        )
    if more:
        error(f"more accounts than --limit {limit}; raise it to see them all")


@app.command("show")
def show(ctx: typer.Context, username: UsernameArg, json: JsonOpt = False) -> None:
    """One account: role, store, whether disabled, and its live sign-in sessions."""
    user = _with_gateway(ctx, lambda gw: gw.call("GET", _path(username)))
    if json:
        emit_json(user)
        return
    facts(
        f"User {user['username']}",
        [
            ("role", user["role"]),
            ("store", user["store_id"]),
            ("customer", user["customer_id"]),
            ("created", user["created_at"]),
            ("status", _status(user)),
            ("live sessions", user["live_sessions"]),
        ],
    )


def _change(ctx: typer.Context, username: str, change: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = _with_gateway(
        ctx, lambda gw: gw.call("PATCH", _path(username), json=change)
    )
    return found


@app.command("disable")
def disable(ctx: typer.Context, username: UsernameArg, json: JsonOpt = False) -> None:
    """Disable an account: it cannot sign in, and every session it has ends now."""
    user = _change(ctx, username, {"disabled": True})
    if json:
        emit_json(user)
        return
    typer.echo(f"user {user['username']} disabled: it cannot sign in; its sessions have ended")


@app.command("enable")
def enable(ctx: typer.Context, username: UsernameArg, json: JsonOpt = False) -> None:
    """Enable a disabled account again (its old sessions stay ended)."""
    user = _change(ctx, username, {"disabled": False})
    if json:
        emit_json(user)
        return
    typer.echo(f"user {user['username']} enabled: it can sign in again")


@app.command("reset-password")
def reset_password(
    ctx: typer.Context,
    username: UsernameArg,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the new password from stdin's first line (scripts)."
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Give an account a new password (asked for twice, or read from stdin); every session
    it has ends now."""
    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
        if not password:
            raise typer.BadParameter("stdin held no password", param_hint="--password-stdin")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    user = _change(ctx, username, {"password": password})
    if json:
        emit_json(user)
        return
    typer.echo(f"password of {user['username']} reset; its sessions have ended")
