"""Small helpers for `make bench`: drive an async operation at a fixed concurrency and
print rate and latency percentiles beside a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


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
