"""A three-node NATS JetStream cluster of local processes, each node stoppable on its own
(the cluster keeps quorum with two of three)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from chainstore_dev.testing.infra import free_port, nats_server_binary


class NatsCluster:
    def __init__(self, store_dir: Path, nodes: int = 3, name: str = "chainstore") -> None:
        self.store_dir = store_dir
        self.name = name
        self.client_ports = [free_port() for _ in range(nodes)]
        self.route_ports = [free_port() for _ in range(nodes)]
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * nodes

    @property
    def url(self) -> str:
        """Every node: a client connects to any and fails over to the others."""
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.client_ports)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def start(self) -> None:
        for i in range(len(self.client_ports)):
            self.start_node(i)
        for i in range(len(self.client_ports)):
            self._wait_listening(i)

    def start_node(self, i: int) -> None:
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.route_ports)
        self._procs[i] = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.client_ports[i]),
                "-n",
                f"{self.name}-{i + 1}",
                "-js",
                "-sd",
                str(self.store_dir / f"node-{i + 1}"),
                "--cluster_name",
                self.name,
                "--cluster",
                f"nats://127.0.0.1:{self.route_ports[i]}",
                "--routes",
                routes,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _wait_listening(self, i: int, within_s: float = 15.0) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.client_ports[i]), timeout=0.2):
                    return
            except OSError:
                proc = self._procs[i]
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"nats node {i + 1} exited at start") from None
                time.sleep(0.05)
        raise RuntimeError(f"nats node {i + 1} did not start")

    def restart_node(self, i: int) -> None:
        self.start_node(i)
        self._wait_listening(i)

    def kill_node(self, i: int) -> None:
        proc = self._procs[i]
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self._procs[i] = None

    def stop(self) -> None:
        for i, proc in enumerate(self._procs):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._procs[i] = None
