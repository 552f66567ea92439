"""Carriers, what they serve, and the rule that picks one for a package."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chainkit.errors import Conflict, FieldError, InvalidArgument

ANY_REGION = "*"


class UpdateMode(StrEnum):
    PUSH = "push"  # the carrier calls our webhook
    POLL = "poll"  # we ask the carrier


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    regions: frozenset[str]  # `*` = nationwide
    max_weight_g: int
    update_mode: UpdateMode
    base_cost: int  # minor units (fen) per parcel
    cost_per_kg: int  # minor units per started kilogram
    speed_days: int

    def serves(self, region: str, weight_g: int) -> bool:
        in_region = ANY_REGION in self.regions or region in self.regions
        return in_region and 0 < weight_g <= self.max_weight_g

    def cost(self, weight_g: int) -> int:
        return self.base_cost + self.cost_per_kg * math.ceil(weight_g / 1000)


# The demo chain's two carriers: swift is an express courier (cheap for light parcels,
# pushes updates); steady is a freight line (cheap for heavy ones, must be polled).
DEFAULT_CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        code="swift",
        name="Swift Express",
        regions=frozenset({ANY_REGION}),
        max_weight_g=20_000,
        update_mode=UpdateMode.PUSH,
        base_cost=600,
        cost_per_kg=200,
        speed_days=1,
    ),
    Carrier(
        code="steady",
        name="Steady Freight",
        regions=frozenset({ANY_REGION}),
        max_weight_g=100_000,
        update_mode=UpdateMode.POLL,
        base_cost=1000,
        cost_per_kg=50,
        speed_days=3,
    ),
)


@dataclass(frozen=True)
class CarrierChoice:
    carrier: Carrier
    reason: str


def choose_carrier(
    carriers: Sequence[Carrier], *, region: str, weight_g: int, override: str = ""
) -> CarrierChoice:
    """The staff's choice if given (it must serve the parcel), else the cheapest that does.

    Ties go to the faster carrier, then to the code, so the choice is deterministic.
    """
    if override:
        chosen = next((c for c in carriers if c.code == override), None)
        if chosen is None:
            raise InvalidArgument(
                f"unknown carrier {override!r}", [FieldError("carrier", "unknown carrier")]
            )
        if not chosen.serves(region, weight_g):
            message = f"{override} does not serve region {region!r} at {weight_g} g"
            raise InvalidArgument(message, [FieldError("carrier", message)])
        return CarrierChoice(chosen, f"staff override: {override}")
    candidates = sorted(
        (c for c in carriers if c.serves(region, weight_g)),
        key=lambda c: (c.cost(weight_g), c.speed_days, c.code),
    )
    if not candidates:
        raise Conflict(f"no carrier serves region {region!r} at {weight_g} g")
    best = candidates[0]
    priced = ", ".join(f"{c.code} {c.cost(weight_g)}" for c in candidates)
    return CarrierChoice(best, f"cheapest serving {region} at {weight_g} g ({priced})")
