"""The unit tier's socket guard (root conftest.py): a test outside `infra` that connects to a
server another process runs fails, naming it; its own listeners and closed ports are fine."""

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

SERVE = (
    "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
    "print(s.getsockname()[1], flush=True); sys.stdin.read()"
)


@pytest.fixture
def other_process_port() -> Iterator[int]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    try:
        yield int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()


def test_connecting_to_another_processs_server_fails_the_test(other_process_port: int) -> None:
    with socket.socket() as s, pytest.raises(pytest.fail.Exception, match="outside the infra"):
        s.connect(("127.0.0.1", other_process_port))


def test_its_own_listener_and_a_closed_port_are_let_through() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.socket() as s:
            s.connect(("127.0.0.1", port))
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", port))
