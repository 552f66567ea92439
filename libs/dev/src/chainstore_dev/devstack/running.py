"""The whole suite started and seeded for a test module, stopped after it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from chainstore_dev.devstack.seed import seed
from chainstore_dev.devstack.stack import Stack

T = TypeVar("T")


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on a worker thread: works whether or not an event loop (Playwright's,
    say) is running on the caller's thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def seeded_stack(stack: Stack) -> Iterator[Stack]:
    """Start every process, seed the demo chain, and stop them all on exit. A start that
    fails prints each process's last log lines, so the test report says why."""
    try:
        run_in_thread(stack.start())
        run_in_thread(seed(stack.gateway_url, stack.hq_password))
    except BaseException:
        for name in stack.procs:
            print(f"--- {name} ---\n{stack.tail(name)}")
        stack.stop()
        raise
    try:
        yield stack
    finally:
        stack.stop()
