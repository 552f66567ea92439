"""Resume cursors: a position in the feed stream, tied to that stream's life.

`<epoch>.<seq>` in base 36, where epoch is the stream's creation time: a cursor from a
stream that was since recreated (its sequence numbers start again) is recognised as stale
instead of silently skipping or repeating events.
"""

from __future__ import annotations

from dataclasses import dataclass

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(n: int) -> str:
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_DIGITS[r])
    return "".join(reversed(out))


@dataclass(frozen=True, slots=True)
class Cursor:
    epoch: int
    seq: int

    def encode(self) -> str:
        return f"{_b36(self.epoch)}.{_b36(self.seq)}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ValueError for anything we did not issue."""
        epoch, sep, seq = text.strip().partition(".")
        if not sep or not epoch or not seq or len(text) > 40:
            raise ValueError("not a feed cursor")
        return cls(int(epoch, 36), int(seq, 36))
