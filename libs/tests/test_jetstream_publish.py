"""The pipelined publisher against a real NATS server: order, duplicates (told apart by the
PubAck), and exactly how far a run got when something fails, with JetStream's own error
(the relay marks only that prefix as sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import APIError, BadRequestError, NoStreamResponseError

from chainkit.jetstream_publish import Outgoing, PipelinedPublisher, pub_ack
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
    assert (first.stored, first.error, first.duplicates) == (50, None, 0)
    assert (again.stored, again.error) == (50, None)
    # Acknowledged as duplicates: the stream's own copies, not stored again.
    assert again.duplicates == 50
    assert [a.duplicate for a in again.acks] == [True] * 50
    assert [(a.stream, a.seq) for a in first.acks] == [("PROBE", n) for n in range(1, 51)]
    assert [a.seq for a in again.acks] == [a.seq for a in first.acks]
    js = nc.jetstream()
    assert (await js.stream_info("PROBE")).state.messages == 50
    assert [(await js.get_msg("PROBE", seq)).subject for seq in (1, 50)] == ["probe.0", "probe.49"]


async def test_a_refused_message_stops_the_count_at_the_ones_before_it(nc: Client) -> None:
    published = await PipelinedPublisher(nc).publish([msg(1), msg(2), msg(3, size=500), msg(4)])
    assert published.stored == 2
    assert isinstance(published.error, APIError)
    # JetStream's own error, with its code and description ("message size exceeds maximum
    # allowed"), not a guess from the reply's bytes.
    assert published.error.code == 400
    assert published.error.err_code == 10054
    assert "maximum" in (published.error.description or "")


async def test_a_run_with_duplicates_among_fresh_messages_counts_only_those(
    nc: Client,
) -> None:
    publisher = PipelinedPublisher(nc)
    await publisher.publish([msg(2), msg(4)])
    published = await publisher.publish([msg(n) for n in range(1, 6)])
    assert (published.stored, published.error, published.duplicates) == (5, None, 2)
    assert [a.duplicate for a in published.acks] == [False, True, False, True, False]
    assert (await nc.jetstream().stream_info("PROBE")).state.messages == 5


def test_an_ack_is_read_as_its_pub_ack_or_raised_as_its_error() -> None:
    ack = pub_ack(b'{"stream":"S","seq":7,"duplicate":true}')
    assert (ack.stream, ack.seq, ack.duplicate) == ("S", 7, True)
    assert pub_ack(b'{"stream":"S","seq":8}').duplicate is False
    with pytest.raises(BadRequestError) as refused:
        pub_ack(b'{"error":{"code":400,"err_code":10054,"description":"too big"}}')
    assert (refused.value.code, refused.value.description) == (400, "too big")
    with pytest.raises(APIError) as other:
        pub_ack(b'{"error":{"code":409,"err_code":10071,"description":"wrong last seq"}}')
    assert (other.value.code, other.value.err_code) == (409, 10071)
    # A payload that merely holds the word "error" is no error (the former check's flaw).
    assert pub_ack(b'{"stream":"error","seq":1}').stream == "error"


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
