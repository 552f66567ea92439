"""Shared fixtures, and the two test tiers.

A test is `infra` when it starts or reaches real infrastructure: it uses a fixture named in
INFRA_FIXTURES (directly or through other fixtures), or carries the `postgres` or `e2e`
marker (the PostgreSQL half of `database_url` carries `postgres`); a test that starts a
server of its own says so with `@pytest.mark.infra`. `make test-unit` runs
`-m "not infra"` in one pytest-xdist worker per CPU. Every other test runs under a socket
guard: connecting to a server (a port something on this machine listens on) other than one
this test process serves itself (an in-process fake; each xdist worker is a process of its
own) fails the test, so a test that secretly needs a server is caught in either
tier instead of slowing the fast one.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Generator
from typing import Any

import pytest

pytest_plugins = ["chainstore_dev.testing.fixtures"]

# Fixtures that start NATS, the suite's processes (`cluster`: two of each) or a browser.
INFRA_FIXTURES = frozenset({"nats_server", "stack", "cluster", "browser", "firefox"})
INFRA_MARKERS = ("postgres", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & INFRA_FIXTURES or any(item.get_closest_marker(m) for m in INFRA_MARKERS):
            item.add_marker(pytest.mark.infra)


# Ports of the sockets this process listens on: in-process fakes a unit test may reach.
_own_ports: set[int] = set()
_listen = socket.socket.listen
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_guarded = False


def _listen_recorded(self: socket.socket, *args: Any) -> None:
    _listen(self, *args)
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _own_ports.add(self.getsockname()[1])


# Linux's socket diagnostics (sock_diag(7)): the listening TCP sockets of a family, asked of the
# kernel in a few microseconds, where reading /proc/net/tcp* costs milliseconds per connect.
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_DUMP_REQUEST = 0x301  # NLM_F_REQUEST | NLM_F_DUMP
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_TCP_LISTEN = 1 << 10


def _listened_on(port: int) -> bool:
    """Whether any process on this machine listens on the TCP port (IPv4 or IPv6)."""
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as diag:
            for family in (socket.AF_INET, socket.AF_INET6):
                # inet_diag_req_v2: family, protocol, no extensions, states; any socket id.
                request = struct.pack("=BBxxI48x", family, socket.IPPROTO_TCP, _TCP_LISTEN)
                header = struct.pack(
                    "=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _DUMP_REQUEST, 1, 0
                )
                diag.send(header + request)
                if port in _dumped_ports(diag):
                    return True
    except OSError:  # no sock_diag here: nothing to guard against
        return False
    return False


def _dumped_ports(diag: socket.socket) -> set[int]:
    """The local ports of the inet_diag_msg answers to one dump, read to its end."""
    ports: set[int] = set()
    while True:
        data = diag.recv(65536)
        offset = 0
        while offset < len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind in (_NLMSG_DONE, _NLMSG_ERROR):
                return ports
            # After the 16-byte netlink header: family, state, timer, retrans, then the port.
            ports.add(struct.unpack_from("!H", data, offset + 20)[0])
            offset += (length + 3) & ~3


def _check(self: socket.socket, address: Any) -> None:
    """A connection to a closed port is fine (tests of a peer that is down make them)."""
    if (
        _guarded
        and self.family in (socket.AF_INET, socket.AF_INET6)
        and self.type == socket.SOCK_STREAM
        and address[1] not in _own_ports
        and _listened_on(address[1])
    ):
        pytest.fail(
            f"a test outside the infra tier connected to the server at {address[0]}:{address[1]}"
            "; use the infrastructure fixtures (see the root conftest.py) or an in-process fake"
        )


def _connect_guarded(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _connect(self, address)


def _connect_ex_guarded(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _connect_ex(self, address)


for _name, _patched in (
    ("listen", _listen_recorded),
    ("connect", _connect_guarded),
    ("connect_ex", _connect_ex_guarded),
):
    setattr(socket.socket, _name, _patched)


@pytest.fixture(autouse=True)
def _no_servers_outside_infra(request: pytest.FixtureRequest) -> Generator[None]:
    """The guard is on for a non-infra test's function-scoped set-up, call and teardown; it is
    off after, when module-scoped infrastructure that earlier infra tests started is closed."""
    global _guarded
    _guarded = request.node.get_closest_marker("infra") is None
    try:
        yield
    finally:
        _guarded = False
