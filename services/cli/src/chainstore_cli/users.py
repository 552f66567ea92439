"""`chainstore users ...`: accounts, through the gateway's REST admin API (head office)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer

from chainstore_cli.connection import CliError
from chainstore_cli.context import FAILED, JsonOpt, Target, target
from chainstore_cli.render import emit_json, error, facts

app = typer.Typer(help="User accounts (through the gateway).", no_args_is_help=True)
ROLES = ("hq", "store", "customer")


def _problem(response: httpx.Response) -> str:
    """A problem+json answer in one line: its detail and any field errors."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        return f"{response.status_code}: {response.text[:200]}"
    fields = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors") or [])
    detail = body.get("detail") or body.get("title") or ""
    return f"{response.status_code} {detail}" + (f" ({fields})" if fields else "")


def _token(client: httpx.Client, where: Target) -> str:
    if where.token:
        return where.token
    if not (where.user and where.password):
        raise CliError(
            "the gateway needs a head-office sign-in: --token (CHAINSTORE_TOKEN), or --user "
            "and --password (CHAINSTORE_USER, CHAINSTORE_PASSWORD)"
        )
    signed = client.post(
        "/v1/auth/token", json={"username": where.user, "password": where.password}
    )
    if signed.status_code != 200:
        raise CliError(f"gateway sign-in as {where.user!r} refused: {_problem(signed)}")
    return str(signed.json()["access_token"])


def _gateway_call(where: Target, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        with httpx.Client(base_url=where.gateway, timeout=where.timeout_s) as client:
            token = _token(client, where)
            answer = client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.TransportError as e:
        raise CliError(f"gateway unreachable at {where.gateway} ({e})") from None
    if answer.is_error:
        raise CliError(f"gateway refused {method} {path}: {_problem(answer)}")
    found: dict[str, Any] = answer.json()
    return found


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
    if role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}", param_hint="--role")
    body: dict[str, Any] = {"username": username, "password": password, "role": role}
    if store_id:
        body["store_id"] = store_id
    if customer_id:
        body["customer_id"] = customer_id
    try:
        user = _gateway_call(target(ctx), "POST", "/v1/users", body)
    except CliError as e:
        error(str(e))
        raise typer.Exit(FAILED) from None
    if json:
        emit_json(user)
        return
    facts(f"User {user['username']} created", [(k, v) for k, v in user.items()])
