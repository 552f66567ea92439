"""Transactional outbox: events are rows written with the state change, then relayed.

- rows: the `outbox` table, the rows a unit of work writes, the relay's statements.
- relay: `OutboxRelay`, which publishes them to JetStream in commit order.
- states: the relay's modes (from memory, catching up from the table, behind) and moves.
- backlog: how many rows are unsent, and how old the oldest is.
"""

from chainkit.outbox.backlog import read_backlog, seconds_since
from chainkit.outbox.relay import ANSWER_TURNS, MAX_FRESH, OutboxRelay
from chainkit.outbox.rows import OUTBOX, OutboxMessage, outbox_rows
from chainkit.outbox.states import Mode

__all__ = [
    "ANSWER_TURNS",
    "MAX_FRESH",
    "OUTBOX",
    "Mode",
    "OutboxMessage",
    "OutboxRelay",
    "outbox_rows",
    "read_backlog",
    "seconds_since",
]
