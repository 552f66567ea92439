"""Which representation of a receipt the client asked for (`Accept`, RFC 9110 §12.5.1)."""

from __future__ import annotations

TEXT = "text/plain"
HTML = "text/html"
JSON = "application/json"
# Our preference when the client likes several equally (curl's */*: plain text).
OFFERED = (TEXT, HTML, JSON)


def _ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for item in accept.split(","):
        media, *params = item.split(";")
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if media.strip():
            out.append((media.strip().lower(), q))
    return out


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range matching `offer` (0 when none does)."""
    kind = offer.split("/")[0]
    best = (-1, 0.0)
    for media, q in ranges:
        specificity = 2 if media == offer else 1 if media == f"{kind}/*" else 0
        if (specificity or media == "*/*") and specificity > best[0]:
            best = (specificity, q)
    return best[1]


def choose(accept: str | None) -> str | None:
    """The best offered type for `accept` (plain text when the client does not say);
    None when it accepts none of them (406)."""
    if not accept or not accept.strip():
        return TEXT
    ranges = _ranges(accept)
    scored = [(_quality(offer, ranges), -i, offer) for i, offer in enumerate(OFFERED)]
    q, _, offer = max(scored)
    return offer if q > 0 else None
