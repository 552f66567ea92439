"""`chainstore users list|show|disable|enable|reset-password` against the real suite: the
gateway's accounts, and what disabling or a reset does to a live session."""

from __future__ import annotations

import uuid

import httpx
import pytest

from chainstore_dev.devstack import Stack

from .conftest import Cli, SignIn

pytestmark = pytest.mark.e2e


def _hq(stack: Stack) -> tuple[str, ...]:
    return ("--user", "hq", "--password", stack.hq_password)


def _live(stack: Stack, token: str) -> int:
    """The status a store clerk's token gets from a staff route."""
    return httpx.get(
        f"{stack.gateway_url}/v1/orders",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    ).status_code


def _new_clerk(cli: Cli, stack: Stack, store: str = "S001") -> str:
    name = f"clerk{uuid.uuid4().hex[:8]}"
    args = ("users", "create", name, "--role", "store", "--store-id", store)
    cli(*args, "--new-password", "clerk-pass-123", "--json", before=_hq(stack)).json()
    return name


def test_users_are_listed_by_role_and_store_and_shown(cli: Cli, stack: Stack) -> None:
    clerk = _new_clerk(cli, stack, store="S002")

    everyone = cli("users", "list", "--json", before=_hq(stack)).json()
    staff = cli("users", "list", "--store", "S002", "--json", before=_hq(stack)).json()
    customers = cli("users", "list", "--role", "customer", "--json", before=_hq(stack)).json()
    one = cli("users", "list", "--limit", "1", "--json", before=_hq(stack))
    shown = cli("users", "show", clerk, "--json", before=_hq(stack)).json()
    people = cli("users", "list", "--store", "S002", before=_hq(stack))
    facts = cli("users", "show", "alice", before=_hq(stack))

    names = [u["username"] for u in everyone]
    assert {"hq", "alice", "s001", clerk} <= set(names) and names == sorted(names)
    assert {u["username"] for u in staff} >= {"s002", clerk}
    assert all(u["store_id"] == "S002" for u in staff)
    assert customers and all(u["role"] == "customer" for u in customers)
    assert len(one.json()) == 1 and "more accounts than --limit 1" in one.stderr
    assert shown == {**shown, "username": clerk, "role": "store", "disabled": False}
    assert shown["live_sessions"] == 0
    assert "password" not in str(everyone) + str(shown)
    assert people.exit_code == 0 and clerk in people.stdout and "active" in people.stdout
    assert facts.exit_code == 0 and "customer" in facts.stdout and "live sessions" in facts.stdout
    bad_role = cli("users", "list", "--role", "admin", before=_hq(stack))
    assert bad_role.exit_code == 2 and "--role" in bad_role.stderr
    missing = cli("users", "show", "nobody-here", before=_hq(stack))
    assert missing.exit_code == 2 and "404 no user 'nobody-here'" in missing.stderr


def test_disable_ends_a_live_session_and_enable_lets_the_account_back_in(
    cli: Cli, stack: Stack, sign_in: SignIn
) -> None:
    clerk = _new_clerk(cli, stack)
    token = sign_in(clerk, "clerk-pass-123").json()["access_token"]
    assert _live(stack, token) == 200
    assert cli("users", "show", clerk, "--json", before=_hq(stack)).json()["live_sessions"] == 1

    disabled = cli("users", "disable", clerk, before=_hq(stack))

    assert disabled.exit_code == 0, disabled.stderr
    assert f"user {clerk} disabled" in disabled.stdout
    assert _live(stack, token) == 401
    assert sign_in(clerk, "clerk-pass-123").status_code == 401
    shown = cli("users", "show", clerk, "--json", before=_hq(stack)).json()
    assert shown["disabled"] is True and shown["live_sessions"] == 0
    listed = cli("users", "list", "--store", "S001", before=_hq(stack))
    assert "disabled since" in listed.stdout

    enabled = cli("users", "enable", clerk, "--json", before=_hq(stack)).json()

    assert enabled["disabled"] is False
    assert _live(stack, token) == 401  # the old session stays ended
    assert sign_in(clerk, "clerk-pass-123").status_code == 200
    itself = cli("users", "disable", "hq", before=_hq(stack))
    assert itself.exit_code == 2 and "409" in itself.stderr


def test_a_password_is_reset_from_a_prompt_or_stdin(
    cli: Cli, stack: Stack, sign_in: SignIn
) -> None:
    clerk = _new_clerk(cli, stack)
    token = sign_in(clerk, "clerk-pass-123").json()["access_token"]

    prompted = cli(
        "users", "reset-password", clerk, before=_hq(stack), input="new-pass-4567\nnew-pass-4567\n"
    )

    assert prompted.exit_code == 0, prompted.stderr
    assert f"password of {clerk} reset" in prompted.stdout
    assert "new-pass-4567" not in prompted.stdout
    assert _live(stack, token) == 401
    assert sign_in(clerk, "clerk-pass-123").status_code == 401
    assert sign_in(clerk, "new-pass-4567").status_code == 200

    piped = cli(
        "users",
        "reset-password",
        clerk,
        "--password-stdin",
        "--json",
        before=_hq(stack),
        input="piped-pass-890\n",
    )
    assert piped.json()["username"] == clerk
    assert sign_in(clerk, "piped-pass-890").status_code == 200
    short = cli(
        "users", "reset-password", clerk, "--password-stdin", before=_hq(stack), input="short\n"
    )
    assert short.exit_code == 2 and "password" in short.stderr and "422" in short.stderr
    empty = cli("users", "reset-password", clerk, "--password-stdin", before=_hq(stack), input="")
    assert empty.exit_code == 2 and "stdin held no password" in empty.stderr
