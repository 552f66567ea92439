"""Sales regions (大区) of the chain, derived from provinces, and the old free-text values.

The seven regions are the conventional split of mainland China used by retail and
logistics (华北, 东北, 华东, 华中, 华南, 西南, 西北). Before provinces existed here stores,
locations and addresses named a region in English (`east`, `north`, ...): `normalise_region`
still accepts those and answers the Chinese name, which is what we store.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

NORTH: Final = "华北"
NORTHEAST: Final = "东北"
EAST: Final = "华东"
CENTRAL: Final = "华中"
SOUTH: Final = "华南"
SOUTHWEST: Final = "西南"
NORTHWEST: Final = "西北"

SALES_REGIONS: Final = (NORTH, NORTHEAST, EAST, CENTRAL, SOUTH, SOUTHWEST, NORTHWEST)

# By the first two digits of a GB/T 2260 code.
_PROVINCE_REGION: Final = MappingProxyType(
    {
        **dict.fromkeys(("11", "12", "13", "14", "15"), NORTH),
        **dict.fromkeys(("21", "22", "23"), NORTHEAST),
        **dict.fromkeys(("31", "32", "33", "34", "35", "36", "37"), EAST),
        **dict.fromkeys(("41", "42", "43"), CENTRAL),
        **dict.fromkeys(("44", "45", "46"), SOUTH),
        **dict.fromkeys(("50", "51", "52", "53", "54"), SOUTHWEST),
        **dict.fromkeys(("61", "62", "63", "64", "65"), NORTHWEST),
    }
)

# Provinces most couriers treat as remote (偏远地区): few routes, surcharges, or none.
XIZANG: Final = "540000"
QINGHAI: Final = "630000"
XINJIANG: Final = "650000"
REMOTE_PROVINCES: Final = frozenset({XIZANG, QINGHAI, XINJIANG})

# The English values stored before sales regions had Chinese names ("west" was used by
# the demo data generator for the south-west).
LEGACY_REGIONS: Final = MappingProxyType(
    {
        "north": NORTH,
        "northeast": NORTHEAST,
        "east": EAST,
        "central": CENTRAL,
        "south": SOUTH,
        "southwest": SOUTHWEST,
        "west": SOUTHWEST,
        "northwest": NORTHWEST,
    }
)


def region_of_province(code: str) -> str:
    """The sales region of a province (any code of it: its first two digits decide); ''
    for a code outside the mainland table."""
    return _PROVINCE_REGION.get(code.strip()[:2], "")


def normalise_region(value: str) -> str | None:
    """The stored form of a region: a sales region as is, an old English value as its
    sales region, '' as ''; None for anything else."""
    text = value.strip()
    if text in SALES_REGIONS or not text:
        return text
    return LEGACY_REGIONS.get(text.lower())


def region_or_as_is(value: str) -> str:
    """`normalise_region` for comparisons: a value it does not know stays as it was."""
    found = normalise_region(value)
    return value if found is None else found
