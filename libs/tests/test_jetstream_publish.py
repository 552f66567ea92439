"""The pipelined publisher against a real NATS server: order, duplicates, and exactly how
far a run got when something fails (the relay marks only that prefix as sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import APIError, NoStreamResponseError

from chainkit.jetstream_publish import Outgoing, PipelinedPublisher
from chainstore_dev.testing import NatsServer


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1)
    await client.jetstream().add_stream(
        StreamConfig(name="PROBE", subjects=["probe.>"], max_msg_size=64, duplicate_window=60.0)
    )
    yield client
    await client.close()


def msg(n: int, size: int = 8) -> Outgoing:
    return Outgoing(f"probe.{n}", b"x" * size, f"id-{n}")


async def test_a_run_is_stored_in_order_and_a_repeat_is_dropped(nc: Client) -> None:
    publisher = PipelinedPublisher(nc)
    first = await publisher.publish([msg(n) for n in range(50)])
    again = await publisher.publish([msg(n) for n in range(50)])
    assert (first.stored, first.error) == (50, None)
    assert (again.stored, again.error) == (50, None)  # acknowledged as duplicates
    js = nc.jetstream()
    assert (await js.stream_info("PROBE")).state.messages == 50
    assert [(await js.get_msg("PROBE", seq)).subject for seq in (1, 50)] == ["probe.0", "probe.49"]


async def test_a_refused_message_stops_the_count_at_the_ones_before_it(nc: Client) -> None:
    published = await PipelinedPublisher(nc).publish([msg(1), msg(2), msg(3, size=500), msg(4)])
    assert published.stored == 2
    assert isinstance(published.error, APIError)


async def test_a_subject_no_stream_takes_is_an_error(nc: Client) -> None:
    published = await PipelinedPublisher(nc).publish([Outgoing("nowhere.1", b"x", "id-x")])
    assert published.stored == 0
    assert isinstance(published.error, NoStreamResponseError)


async def test_no_ack_in_time_is_an_error_and_nothing_counts(
    nc: Client, nats_server: NatsServer
) -> None:
    nats_server.stop()
    published = await PipelinedPublisher(nc, ack_wait_s=0.3).publish([msg(1), msg(2)])
    assert published.stored == 0
    assert isinstance(published.error, TimeoutError)
