"""Calls to the gateway's REST API as head office: signed in with --token, or with --user and
--password; a refusal becomes a CliError carrying the problem's detail and field errors."""

from __future__ import annotations

from typing import Any

import httpx

from chainstore_cli.connection import CliError
from chainstore_cli.context import Target


def problem_text(response: httpx.Response) -> str:
    """A problem+json answer in one line: its status, detail and any field errors."""
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
        raise CliError(f"gateway sign-in as {where.user!r} refused: {problem_text(signed)}")
    return str(signed.json()["access_token"])


class Gateway:
    """One signed-in connection to the gateway for the length of a command."""

    def __init__(self, where: Target) -> None:
        self._where = where
        self._client = httpx.Client(base_url=where.gateway, timeout=where.timeout_s)
        self._token = ""

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The answer's JSON; CliError when the gateway cannot be reached or refuses."""
        try:
            if not self._token:
                self._token = _token(self._client, self._where)
            answer = self._client.request(
                method,
                path,
                json=json,
                params=params,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.TransportError as e:
            raise CliError(f"gateway unreachable at {self._where.gateway} ({e})") from None
        if answer.is_error:
            raise CliError(f"gateway refused {method} {path}: {problem_text(answer)}")
        return answer.json()
