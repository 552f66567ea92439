"""GB/T 2260 administrative divisions: provinces, prefecture cities, districts.

The table is vendored (`data/gbt2260-2023.tsv`, see `data/PROVENANCE.md`) and read once.
A six-digit code names its parents: a district's first two digits + `0000` are its
province, its first four + `00` its city.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final

from chainkit.china.regions import region_of_province

TABLE: Final = "gbt2260-2023.tsv"
TABLE_EDITION: Final = "2023"  # NBS 统计用区划代码, state as of 2023-06-30
# Under the four municipalities the source names the city level by these placeholders.
_PLACEHOLDER_CITIES: Final = frozenset({"市辖区", "县"})


class DivisionError(ValueError):
    """A code that is not in the table, or codes that do not nest; `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Division:
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    """Where an address is, as far as its codes go: a province at least."""

    province: Division
    city: Division | None = None
    district: Division | None = None

    @property
    def region(self) -> str:
        return region_of_province(self.province.code)


@cache
def _table() -> MappingProxyType[str, str]:
    text = resources.files("chainkit.china").joinpath("data", TABLE).read_text("utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line and line[0] != "#")
    return MappingProxyType({code: name for code, name in rows})


def name_of(code: str) -> str | None:
    return _table().get(code)


def provinces() -> list[Division]:
    return [Division(c, n) for c, n in _table().items() if c.endswith("0000")]


def cities() -> list[Division]:
    """Prefecture-level cities by code; a municipality's (310100) named as the municipality."""
    found = (_city(c) for c in _table() if c.endswith("00") and not c.endswith("0000"))
    return [c for c in found if c is not None]


def _province(code: str) -> Division | None:
    code = code[:2] + "0000"
    name = name_of(code)
    return Division(code, name) if name else None


def _city(code: str) -> Division | None:
    code = code[:4] + "00"
    name = name_of(code)
    if name is None or code.endswith("0000"):
        return None
    if name in _PLACEHOLDER_CITIES:  # a municipality: the city is the municipality
        name = name_of(code[:2] + "0000") or name
    return Division(code, name)


def _valid(field: str, code: str) -> str:
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        raise DivisionError(field, "a six-digit GB/T 2260 code, e.g. 310115")
    if name_of(code) is None:
        raise DivisionError(field, f"no division {code} in the {TABLE_EDITION} table")
    return code


def resolve(province_code: str = "", city_code: str = "", district_code: str = "") -> Place:
    """The place the codes name. The most specific code decides; a less specific one, when
    given too, must be its parent. A city without districts (东莞市) needs none."""
    province_code, city_code, district_code = (
        province_code.strip(),
        city_code.strip(),
        district_code.strip(),
    )
    if district_code:
        code = _valid("district_code", district_code)
        if code.endswith("00"):
            raise DivisionError("district_code", f"{code} is not a district")
        district: Division | None = Division(code, name_of(code) or "")
        city, province = _city(code), _province(code)
    elif city_code:
        code = _valid("city_code", city_code)
        district, city, province = None, _city(code), _province(code)
        if city is None or city.code != code:
            raise DivisionError("city_code", f"{code} is not a prefecture-level city")
    elif province_code:
        code = _valid("province_code", province_code)
        district, city, province = None, None, _province(code)
        if province is None or province.code != code:
            raise DivisionError("province_code", f"{code} is not a province")
    else:
        raise DivisionError("province_code", "required")
    if province is None:  # a code in the table always has its province there
        raise DivisionError("province_code", "unknown province")
    if city_code.strip() and district and (city is None or city.code != city_code):
        raise DivisionError("city_code", f"district {district.code} is not in city {city_code}")
    if province_code and province.code != province_code:
        raise DivisionError(
            "province_code", f"{province.name} is {province.code}, not {province_code}"
        )
    return Place(province, city, district)
