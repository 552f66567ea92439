"""The outbox relay's modes, and the one table of how it moves between them.

    BEHIND --READ_STARTED--> CATCHING_UP --TABLE_DRAINED--> FROM_MEMORY
      ^                         |                               |
      +------ OVERFLOWED -------+                               |
      +------ OVERFLOWED, PUBLISH_FAILED -----------------------+

- BEHIND: the table rules; commits are not held in memory. At start, after a publish from
  memory failed (NATS away: the rest are in the table, unsent), and after memory overflowed
  (NATS slower than our commits). The relay's next round starts a catch-up read.
- CATCHING_UP: publishing from the table, oldest first, a batch per read. Commits are held
  in memory from the start of each read, so once a read comes back short (nothing older
  left in the table) memory holds everything still to publish.
- FROM_MEMORY: the hot path. Commits are published from memory as they come, and the table
  is only polled, slowly, for rows nobody holds (a replica that died between commit and
  publish).

Moves not in the table cannot happen (the relay only reads the table when not FROM_MEMORY,
only publishes from memory in it, only holds commits outside BEHIND): `after` refuses them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Mode(enum.Enum):
    BEHIND = "behind"
    CATCHING_UP = "catching up"
    FROM_MEMORY = "from memory"


class Cue(enum.Enum):
    """What happened to the relay."""

    READ_STARTED = "a catch-up read of the table started"
    TABLE_DRAINED = "a catch-up read came back short: nothing older is left unsent"
    OVERFLOWED = "more commits held in memory than it may hold"
    PUBLISH_FAILED = "publishing from memory failed"


BEHIND, CATCHING_UP, FROM_MEMORY = Mode.BEHIND, Mode.CATCHING_UP, Mode.FROM_MEMORY

TRANSITIONS: Mapping[tuple[Mode, Cue], Mode] = {
    (BEHIND, Cue.READ_STARTED): CATCHING_UP,
    # Memory overflowed while the read or the publish was out: it holds nothing, read again.
    (BEHIND, Cue.TABLE_DRAINED): BEHIND,
    (BEHIND, Cue.PUBLISH_FAILED): BEHIND,
    # The read before was a full batch: what was held since its start is in the table too.
    (CATCHING_UP, Cue.READ_STARTED): CATCHING_UP,
    (CATCHING_UP, Cue.TABLE_DRAINED): FROM_MEMORY,
    (CATCHING_UP, Cue.OVERFLOWED): BEHIND,
    (FROM_MEMORY, Cue.OVERFLOWED): BEHIND,
    (FROM_MEMORY, Cue.PUBLISH_FAILED): BEHIND,
}


def after(mode: Mode, cue: Cue) -> Mode:
    """The mode the relay is in after `cue` in `mode`."""
    try:
        return TRANSITIONS[mode, cue]
    except KeyError:
        raise ValueError(f"outbox relay: {cue.name} cannot happen {mode.value}") from None


def holds_commits(mode: Mode) -> bool:
    """Whether committed events are kept in memory to publish (else the table has them)."""
    return mode is not BEHIND
