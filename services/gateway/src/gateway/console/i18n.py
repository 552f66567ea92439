"""The console's languages: zh-CN first, English second. Labels, statuses, dates, amounts.

Strings live in `console/text/<area>.py` as `TEXT = {key: (zh_cn, en)}`; every module of
that package is loaded here, so an area adds its strings without touching this file.
Keys are dotted and start with the area (`customer.tab.all`); a key defined twice is an error.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Literal

from gateway.console import text

Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")
DEFAULT_LANG: Lang = "zh-CN"
LANG_COOKIE = "chainstore_lang"

# China has kept UTC+8 without daylight saving since 1991: a fixed offset needs no tz database.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

Catalog = Mapping[str, tuple[str, str]]


@cache
def catalog() -> dict[str, tuple[str, str]]:
    """Every area's strings, merged once."""
    merged: dict[str, tuple[str, str]] = {}
    for info in pkgutil.iter_modules(text.__path__):
        module = importlib.import_module(f"{text.__name__}.{info.name}")
        strings: Catalog = getattr(module, "TEXT", {})
        for key, pair in strings.items():
            if key in merged:
                raise ValueError(f"console text {key!r} is defined twice ({info.name})")
            merged[key] = pair
    return merged


def parse_lang(value: str | None) -> Lang:
    """A supported language from a cookie or query value; zh-CN otherwise."""
    if value and value.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def money(fen: int, currency: str = "CNY") -> str:
    """Minor units as the customer reads them: 12800 → ¥128.00 (the same in both languages)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def local_time(at: datetime | None, *, seconds: bool = False) -> str:
    """A moment in Asia/Shanghai time: 2026-12-04 16:05 (both languages read it alike)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_day(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d")


class Translator:
    """`t(key, **values)` in one language; templates get it as `t`."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._index = 0 if lang == "zh-CN" else 1
        self._strings = catalog()

    def __call__(self, key: str, **values: object) -> str:
        try:
            template = self._strings[key][self._index]
        except KeyError:
            raise KeyError(f"no console text {key!r}") from None
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in self._strings

    def status(self, status: str) -> str:
        """An order status as the customer knows it (待发货 covers paid and confirmed)."""
        return self(f"status.{status}")

    def tracking(self, status: str) -> str:
        return self(f"tracking.{status}")
