"""Small helpers for `make bench`: drive an async operation at a fixed concurrency and
print rate and latency percentiles beside a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile in milliseconds (q in 0..100)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
        return ordered[index] * 1000


async def drive(
    name: str,
    operation: Callable[[int], Awaitable[object]],
    *,
    requests: int,
    concurrency: int = 64,
) -> Result:
    """Run `operation(i)` for i in range(requests) with `concurrency` workers."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await operation(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, time.perf_counter() - started, latencies)


def median_of(results: list[Result]) -> Result:
    """The run with the median rate: this machine is shared and noisy, so quote medians."""
    ordered = sorted(results, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def report(
    title: str, baseline: Result, rows: list[Result], target_ratio: float | None = None
) -> None:
    print(f"\n## {title}")
    print(f"{'measure':<44} {'ops/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'x baseline':>11}")
    for r in [baseline, *rows]:
        ratio = r.rate / baseline.rate if baseline.rate else 0.0
        p50, p99 = r.percentile(50), r.percentile(99)
        print(f"{r.name:<44} {r.rate:>10.0f} {p50:>9.2f} {p99:>9.2f} {ratio:>11.2f}")
    if target_ratio is not None:
        print(f"target: at least {target_ratio:.2f} x baseline")


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": fields 3.. of proc(5)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(databases: list[str]) -> list[int]:
    """PostgreSQL backends serving these databases (a backend's title names its database:
    "postgres: 15/main: user dbname host(port) state"); the server's shared writers are
    not counted."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace").split()
            except OSError:
                continue
            if title[:1] == ["postgres:"] and any(word in databases for word in title[1:5]):
                found.append(int(entry.name))
    return found


# The group CpuMeter counts the bench's own process in.
LOAD_CLIENT = "load client"


@dataclass
class CpuMeter:
    """CPU seconds used by named groups of processes between two readings.

    `groups` answers name → pids at each reading (replicas come and go, backends too); the
    bench's own process is counted as LOAD_CLIENT."""

    groups: Callable[[], Mapping[str, list[int]]]
    used: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    _start: dict[str, dict[int, float]] = field(default_factory=dict)
    _started_at: float = 0.0

    def _read(self) -> dict[str, dict[int, float]]:
        now = {name: {p: cpu_seconds(p) for p in pids} for name, pids in self.groups().items()}
        own = os.times()
        now[LOAD_CLIENT] = {0: own.user + own.system}
        return now

    def start(self) -> None:
        self._start = self._read()
        self._started_at = time.perf_counter()

    def stop(self) -> None:
        """Adds what each group used since `start`: a process that came meanwhile counts
        from zero, one that left is not counted (its last reading is gone with it)."""
        self.wall_s += time.perf_counter() - self._started_at
        for name, pids in self._read().items():
            before = self._start.get(name, {})
            used = sum(s - before.get(p, 0.0) for p, s in pids.items() if s)
            self.used[name] = self.used.get(name, 0.0) + used

    def ms_per(self, operations: int) -> dict[str, float]:
        """CPU milliseconds per operation by process group, largest first."""
        ranked = sorted(self.used.items(), key=lambda kv: -kv[1])
        return {name: seconds * 1000 / operations for name, seconds in ranked}

    def report(self, operations: int, what: str = "order") -> None:
        """CPU milliseconds per operation by process group, largest first, and how busy
        each kept its core(s) meanwhile: the busiest is what limits the rate."""
        if not operations:
            return
        print(f"CPU per {what} (all rounds, {operations} {what}s, {self.wall_s:.1f} s):")
        print(f"  {'process':<28} {'ms/' + what:>9} {'% of a core':>12}")
        total = 0.0
        for name, ms in self.ms_per(operations).items():
            total += 0.0 if name == LOAD_CLIENT else ms
            busy = 100 * self.used[name] / self.wall_s if self.wall_s else 0.0
            print(f"  {name:<28} {ms:>9.2f} {busy:>12.0f}")
        print(f"  {'suite total (no ' + LOAD_CLIENT + ')':<28} {total:>9.2f}")
