"""Publishing runs of messages to JetStream: nats-py's own API against our pipelined fast path.

The outbox relay publishes a batch of up to 200 events at a time. Measured here, per message,
on a real nats-server (one stream, file storage, a duplicate window), in this process's CPU
time and in wall time:

- `js.publish`: nats-py's publish, one at a time (each waits for its ack).
- `js.publish_async`: nats-py's pipelined publish: every message out, then the acks.
- `PipelinedPublisher`: chainkit.jetstream_publish (every message out, then the acks, each
  parsed into its PubAck).

Run: `.venv/bin/python libs/bench/jetstream_publish.py` (figures in chainkit.jetstream_publish's
docstring and docs/private-apis.md).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import nats
from nats.aio.client import Client
from nats.js.api import StreamConfig

from chainkit.jetstream_publish import Outgoing, PipelinedPublisher
from chainstore_dev.testing import NatsServer

BATCH = 200
BATCHES = 25  # per round
ROUNDS = 7
PAYLOAD = b"x" * 300  # about an event envelope's size


def batch() -> list[Outgoing]:
    return [Outgoing(f"bench.{i % 8}", PAYLOAD, str(uuid.uuid4())) for i in range(BATCH)]


async def nats_py_publish(nc: Client, messages: list[Outgoing]) -> None:
    js = nc.jetstream()
    for m in messages:
        await js.publish(m.subject, m.data, headers={"Nats-Msg-Id": m.msg_id})


async def nats_py_publish_async(nc: Client, messages: list[Outgoing]) -> None:
    js = nc.jetstream()
    futures = [
        await js.publish_async(m.subject, m.data, headers={"Nats-Msg-Id": m.msg_id})
        for m in messages
    ]
    await asyncio.gather(*futures)


def pipelined(nc: Client) -> Callable[[Client, list[Outgoing]], Awaitable[None]]:
    publisher = PipelinedPublisher(nc)

    async def run(_: Client, messages: list[Outgoing]) -> None:
        published = await publisher.publish(messages)
        assert published.stored == len(messages), published.error

    return run


async def measure(
    nc: Client, how: Callable[[Client, list[Outgoing]], Awaitable[None]]
) -> tuple[float, float]:
    """Microseconds per message: CPU of this process, and wall."""
    runs = [batch() for _ in range(BATCHES)]
    cpu, wall = time.process_time(), time.perf_counter()
    for messages in runs:
        await how(nc, messages)
    n = BATCH * BATCHES
    return (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6


async def main() -> None:
    with tempfile.TemporaryDirectory() as store:
        server = NatsServer(Path(store))
        server.start()
        try:
            nc = await nats.connect(server.url)
            await nc.jetstream().add_stream(
                StreamConfig(name="BENCH", subjects=["bench.>"], duplicate_window=120.0)
            )
            ways = {
                "js.publish (one at a time)": nats_py_publish,
                "js.publish_async + gather": nats_py_publish_async,
                "PipelinedPublisher": pipelined(nc),
            }
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            for how in ways.values():  # warm-up
                await measure(nc, how)
            for _ in range(ROUNDS):  # interleaved, so a busy moment hits every way alike
                for name, how in ways.items():
                    figures[name].append(await measure(nc, how))
            await nc.close()
        finally:
            server.stop()
    print(f"{BATCH}-message batches, {BATCHES * ROUNDS} per way; median of {ROUNDS} rounds")
    print(f"{'':30} {'CPU us/msg':>11} {'wall us/msg':>12}")
    for name, runs in figures.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"{name:30} {cpu:11.1f} {wall:12.1f}")


if __name__ == "__main__":
    asyncio.run(main())
