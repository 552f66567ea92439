"""Publishing a run of messages to JetStream: all on the wire first, then the acks.

nats-py's `publish` waits for each ack before the next message; its `publish_async` does
not, but spends a random token (an os.urandom call), a semaphore, a done-callback and a
`PubAck.from_response` on every message. Here the messages are numbered on one reply
subscription, and each ack is parsed into nats-py's own PubAck (an error reply raised as
nats-py's APIError with its code and description; a duplicate told apart, `duplicate`
set, by the stream's Nats-Msg-Id window). JetStream acks a message once it is stored (on
a quorum of replicas for a replicated stream).

Measured (libs/bench/jetstream_publish.py: batches of 200 messages of 300 bytes, a local
nats-server, 2 shared cores, median of 7 rounds; CPU of the publishing process per message):
js.publish one at a time 63-65 us (wall 111-129 us), js.publish_async then gather 15.4-15.6 us
(wall 28-31 us), this publisher 7.7-7.9 us (wall 18-21 us). Only public nats-py API is used
(`Client.publish` with a reply subject, `new_inbox`, `subscribe`, `PubAck`, `APIError`):
what it relies on is the JetStream wire protocol, a PubAck as JSON on the reply subject
(docs/private-apis.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import PubAck
from nats.js.errors import APIError, NoStreamResponseError

_NO_RESPONDERS = "503"
# The reply is one JSON object: raw_decode of the text is the same C parser as json.loads
# at a third of its cost (loads sniffs the bytes' encoding, then checks for trailing text).
_JSON = json.JSONDecoder()


@dataclass(frozen=True)
class Outgoing:
    subject: str
    data: bytes
    msg_id: str  # Nats-Msg-Id: the stream drops a second copy within its duplicate window
    headers: dict[str, str] | None = None  # more headers (W3C trace context)


@dataclass(frozen=True)
class Published:
    stored: int  # how many of the messages, from the first, JetStream acknowledged
    error: Exception | None  # why it stopped there, if it did
    # Of the stored, how many the stream had already (same Nats-Msg-Id within its duplicate
    # window): acknowledged, not stored again.
    duplicates: int = 0
    acks: Sequence[PubAck] = ()  # one per stored message, in order: stream, seq, duplicate


class PipelinedPublisher:
    def __init__(self, nc: Client, ack_wait_s: float = 5.0) -> None:
        self._nc = nc
        self._ack_wait_s = ack_wait_s
        self._prefix = ""
        self._seq = 0
        self._waiting: dict[str, asyncio.Future[PubAck]] = {}

    async def publish(self, messages: Sequence[Outgoing]) -> Published:
        """Publish in order: how many, from the first, are stored, and the first failure
        (an API error, no stream, a lost connection, no ack within `ack_wait_s`)."""
        if not self._prefix:
            self._prefix = self._nc.new_inbox() + "."
            await self._nc.subscribe(self._prefix + "*", cb=self._on_ack)
        loop = asyncio.get_running_loop()
        pending: list[tuple[str, asyncio.Future[PubAck]]] = []
        acks: list[PubAck] = []
        duplicates = 0
        error: Exception | None = None
        try:
            for m in messages:
                self._seq += 1
                token = str(self._seq)
                future: asyncio.Future[PubAck] = loop.create_future()
                self._waiting[token] = future
                pending.append((token, future))
                headers = {"Nats-Msg-Id": m.msg_id}
                if m.headers:
                    headers.update(m.headers)
                await self._nc.publish(
                    m.subject, m.data, reply=self._prefix + token, headers=headers
                )
            async with asyncio.timeout(self._ack_wait_s):
                for _, future in pending:
                    ack = await future
                    acks.append(ack)
                    if ack.duplicate:
                        duplicates += 1
        except Exception as e:  # the rest are published again later, deduplicated by id
            error = e
        finally:
            for token, future in pending[len(acks) :]:
                self._waiting.pop(token, None)
                future.cancel()
        return Published(len(acks), error, duplicates, acks)

    async def _on_ack(self, msg: Msg) -> None:
        future = self._waiting.pop(msg.subject[len(self._prefix) :], None)
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get("Status") == _NO_RESPONDERS:
            future.set_exception(NoStreamResponseError())
            return
        try:
            future.set_result(pub_ack(msg.data))
        except Exception as e:  # an API error, or a reply that is no PubAck
            future.set_exception(e)


def pub_ack(data: bytes) -> PubAck:
    """JetStream's answer to a publish: its PubAck (stream, seq, duplicate), or the error it
    holds raised as nats-py's own exception (APIError or a subclass, with code,
    err_code and description)."""
    reply = _JSON.raw_decode(data.decode())[0]
    error = reply.get("error")
    if error is not None:
        APIError.from_error(error)  # raises the class for its code
        raise APIError(**error)
    # Built directly, not with PubAck.from_response, which walks every field of the class.
    return PubAck(
        stream=reply["stream"],
        seq=reply["seq"],
        domain=reply.get("domain"),
        duplicate=reply.get("duplicate", False),
    )
