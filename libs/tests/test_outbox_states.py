"""The outbox relay's modes: the table of moves, and the relay following it (from memory,
catching up from the table, behind)."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client
from prometheus_client import REGISTRY

from chainkit import events
from chainkit.outbox import MAX_FRESH, OutboxRelay
from chainkit.outbox.states import TRANSITIONS, Cue, Mode, after, holds_commits
from chainstore.common.v1.common_pb2 import SkuQty

B, C, F = Mode.BEHIND, Mode.CATCHING_UP, Mode.FROM_MEMORY


def test_the_moves_are_exactly_these() -> None:
    assert dict(TRANSITIONS) == {
        (B, Cue.READ_STARTED): C,
        (B, Cue.TABLE_DRAINED): B,
        (B, Cue.PUBLISH_FAILED): B,
        (C, Cue.READ_STARTED): C,
        (C, Cue.TABLE_DRAINED): F,
        (C, Cue.OVERFLOWED): B,
        (F, Cue.OVERFLOWED): B,
        (F, Cue.PUBLISH_FAILED): B,
    }


@pytest.mark.parametrize(
    ("mode", "cue"),
    [(m, c) for m in Mode for c in Cue if (m, c) not in TRANSITIONS],
)
def test_a_move_that_cannot_happen_is_refused(mode: Mode, cue: Cue) -> None:
    with pytest.raises(ValueError, match=cue.name):
        after(mode, cue)


def test_every_mode_is_reached_and_only_behind_holds_no_commits() -> None:
    assert set(TRANSITIONS.values()) == set(Mode)
    assert [m for m in Mode if not holds_commits(m)] == [B]


def gauge() -> float | None:
    return REGISTRY.get_sample_value("outbox_relay_from_memory")


def event(n: int) -> events.OutgoingEvent:
    return events.envelope("orders.created", SkuQty(sku=f"S{n}", qty=1), source="orders")


async def test_a_relay_starts_behind_and_one_read_of_an_empty_table_puts_it_on_memory(
    sessions: Any, nc: Client
) -> None:
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=60)
    assert relay.mode is B
    relay.committed([event(0)])  # behind: the table has it, memory does not keep it
    assert await relay.step() is False
    assert relay.mode is F
    assert relay.from_memory
    assert gauge() == 1


async def test_more_commits_than_memory_may_hold_put_the_relay_behind(
    sessions: Any, nc: Client
) -> None:
    relay = OutboxRelay(sessions.kw["bind"], nc, poll_interval=60)
    await relay.step()
    assert relay.mode is F
    relay.committed([event(0)] * (MAX_FRESH + 1))
    assert relay.mode is B
    assert gauge() == 0
    assert not relay._fresh  # the table has them
