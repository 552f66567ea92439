"""The whole suite as local processes: NATS, carrier simulator, three services, gateway.

Used by `make run` and by the end-to-end tests, which also kill and restart processes.
With `replicas=2` every service and the gateway run twice (`orders`, `orders-2`, …) and
callers name all replicas of a peer (`ipv4:127.0.0.1:a,127.0.0.1:b`, round robin); with
`nats_nodes=3` NATS is a three-node JetStream cluster and streams keep three replicas —
the same variables the Kubernetes manifests set.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chainstore_dev.testing.infra import NatsServer, free_port
from chainstore_dev.testing.nats_cluster import NatsCluster

# What runs more than once in the cluster profile (the carrier simulator stands for the
# outside world: one of it).
REPLICATED = ("inventory", "logistics", "orders", "gateway")


@dataclass
class Ports:
    gateway: int = 8080
    inventory: int = 50051
    orders: int = 50052
    logistics: int = 50053
    carrier_sim: int = 8090
    nats: int = 4250

    @classmethod
    def from_env(cls) -> Ports:
        def pick(name: str, default: int) -> int:
            return int(os.environ.get(name, default))

        return cls(
            gateway=pick("GATEWAY_PORT", 8080),
            inventory=pick("INVENTORY_GRPC_PORT", 50051),
            orders=pick("ORDERS_GRPC_PORT", 50052),
            logistics=pick("LOGISTICS_GRPC_PORT", 50053),
            carrier_sim=pick("CARRIER_SIM_PORT", 8090),
            nats=pick("CHAINSTORE_NATS_PORT", 4250),
        )

    @classmethod
    def free(cls) -> Ports:
        return cls(*(free_port() for _ in range(6)))


@dataclass
class Stack:
    data_dir: Path
    ports: Ports = field(default_factory=Ports)
    nats_url: str | None = None  # an existing server; None starts our own
    hq_password: str = "hq-dev-password"
    carrier_pace_s: float = 12.0
    carrier_secret: str = "dev-carrier-secret"
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    nats: NatsServer | None = None
    replicas: int = 1
    # Which services run `replicas` times (the others once).
    replicated: tuple[str, ...] = REPLICATED
    nats_nodes: int = 1
    nats_cluster: NatsCluster | None = None
    # Ports of the second and later replicas, by process name ("orders-2").
    replica_ports: dict[str, int] = field(default_factory=dict)

    # name → python module; started in this order.
    MODULES = {
        "carrier_sim": "carrier_sim",
        "inventory": "inventory",
        "logistics": "logistics",
        "orders": "orders",
        "gateway": "gateway",
    }

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def process_names(self) -> list[str]:
        """Every process, in start order: each service's replicas after its first."""
        names = []
        for name in self.MODULES:
            names.append(name)
            if name in self.replicated:
                names.extend(f"{name}-{i}" for i in range(2, self.replicas + 1))
        return names

    def port_of(self, name: str) -> int:
        if name in self.replica_ports:
            return self.replica_ports[name]
        p = self.ports
        return {
            "gateway": p.gateway,
            "inventory": p.inventory,
            "orders": p.orders,
            "logistics": p.logistics,
            "carrier_sim": p.carrier_sim,
        }[name]

    def pids(self) -> dict[str, list[int]]:
        """Running processes by name, NATS included (for the benches' CPU accounting)."""
        found = {n: [p.pid] for n, p in self.procs.items() if p.poll() is None}
        nats = self.nats_cluster.pids if self.nats_cluster else []
        if self.nats and self.nats.pid:
            nats = [self.nats.pid]
        return {**found, "nats": nats}

    def replica_urls(self, service: str) -> list[str]:
        """`host:port` of every replica of a service."""
        names = [n for n in self.process_names if n.split("-")[0] == service]
        return [f"127.0.0.1:{self.port_of(n)}" for n in names]

    def _addr(self, service: str) -> str:
        urls = self.replica_urls(service)
        return urls[0] if len(urls) == 1 else "ipv4:" + ",".join(urls)

    def env(self) -> dict[str, str]:
        p = self.ports
        assert self.nats_url
        env = {
            **os.environ,
            "NATS_URL": self.nats_url,
            "CHAINSTORE_HQ_PASSWORD": self.hq_password,
            "INVENTORY_GRPC_PORT": str(p.inventory),
            "ORDERS_GRPC_PORT": str(p.orders),
            "LOGISTICS_GRPC_PORT": str(p.logistics),
            "GATEWAY_PORT": str(p.gateway),
            "CARRIER_SIM_PORT": str(p.carrier_sim),
            "INVENTORY_ADDR": self._addr("inventory"),
            "ORDERS_ADDR": self._addr("orders"),
            "LOGISTICS_ADDR": self._addr("logistics"),
            "CARRIER_SIM_URL": f"http://127.0.0.1:{p.carrier_sim}",
            "CARRIER_SIM_WEBHOOK_BASE": self.gateway_url,
            "CARRIER_SIM_PACE_S": str(self.carrier_pace_s),
            "CARRIER_SIM_SECRET": self.carrier_secret,
            "LOGISTICS_CARRIER_SECRET": self.carrier_secret,
        }
        for name in ("inventory", "orders", "logistics", "gateway"):
            default = f"sqlite+aiosqlite:///{self.data_dir / f'{name}.db'}"
            env[f"{name.upper()}_DATABASE_URL"] = self.database_urls.get(name, default)
        if self.nats_nodes > 1:
            env["NATS_STREAM_REPLICAS"] = "3"
        env.update(self.extra_env)
        return env

    async def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.process_names:
            if name not in self.MODULES and name not in self.replica_ports:
                self.replica_ports[name] = free_port()
        if self.nats_url is None and self.nats_nodes > 1:
            self.nats_cluster = NatsCluster(self.data_dir / "jetstream", self.nats_nodes)
            self.nats_cluster.start()
            self.nats_url = self.nats_cluster.url
        elif self.nats_url is None:
            port = self.ports.nats if _port_free(self.ports.nats) else free_port()
            self.nats = NatsServer(self.data_dir / "jetstream", port)
            self.nats.start()
            self.nats_url = self.nats.url
        for name in self.process_names:
            self.start_process(name)
            await self.wait_ready(name)

    def start_process(self, name: str) -> None:
        service = name.split("-")[0]
        env = self.env()
        if name in self.replica_ports:  # a second replica: its own port
            port_var = "GATEWAY_PORT" if service == "gateway" else f"{service.upper()}_GRPC_PORT"
            env[port_var] = str(self.replica_ports[name])
            # Migrations are the first replica's job (a Job in Kubernetes).
            env[f"{service.upper()}_MIGRATE_ON_START"] = "false"
        log = (self.log_dir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", self.MODULES[service]],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us, and we stop children in order
        )
        log.close()

    async def wait_ready(self, name: str, within_s: float = 60.0) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            if await self._is_ready(name):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{name} not ready after {within_s}s:\n{self.tail(name)}")

    async def _is_ready(self, name: str) -> bool:
        port = self.port_of(name)
        if name.split("-")[0] in ("gateway", "carrier_sim"):
            try:
                async with httpx.AsyncClient(timeout=1.0) as client:
                    r = await client.get(f"http://127.0.0.1:{port}/healthz")
                return r.status_code == 200
            except httpx.HTTPError:
                return False
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                answer = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1.0
                )
            except grpc.aio.AioRpcError:
                return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

    def stop_process(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    async def restart(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.stop_process(name, sig)
        self.start_process(name)
        await self.wait_ready(name)

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop_process(name)
        if self.nats is not None:
            self.nats.stop()
        if self.nats_cluster is not None:
            self.nats_cluster.stop()

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
