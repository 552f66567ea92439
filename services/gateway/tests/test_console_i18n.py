"""Console strings, amounts and times: both languages everywhere, ¥ with two decimals,
Asia/Shanghai times; every literal key a template uses exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.console.i18n import Translator, catalog, local_time, money, parse_lang

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "gateway" / "console" / "templates"


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (12800, "¥128.00"),
        (123456789, "¥1,234,567.89"),
        (-990, "-¥9.90"),
    ],
)
def test_amounts_are_yuan_with_two_decimals(fen: int, shown: str) -> None:
    assert money(fen) == shown


def test_times_are_shown_in_shanghai() -> None:
    at = datetime(2026, 12, 31, 16, 30, 5, tzinfo=UTC)

    assert local_time(at) == "2027-01-01 00:30"
    assert local_time(at, seconds=True) == "2027-01-01 00:30:05"
    assert local_time(None) == ""


def test_every_string_has_both_languages() -> None:
    for key, (zh, en) in catalog().items():
        assert zh.strip() and en.strip(), key


def test_statuses_read_as_customers_know_them() -> None:
    zh, en = Translator("zh-CN"), Translator("en")

    assert [
        zh.status(s) for s in ("pending_payment", "paid", "shipped", "completed", "cancelled")
    ] == [
        "待付款",
        "待发货",
        "已发货",
        "已完成",
        "已取消",
    ]
    assert en.status("paid") == "Awaiting shipment"
    with pytest.raises(KeyError):
        zh("no.such.key")


def test_the_language_defaults_to_chinese() -> None:
    assert parse_lang(None) == "zh-CN"
    assert parse_lang("fr") == "zh-CN"
    assert parse_lang("en") == "en"


def test_every_literal_key_in_the_templates_exists() -> None:
    used = {
        key
        for path in TEMPLATES.rglob("*.html")
        for key in re.findall(r"""\bt\(\s*["']([a-z0-9_.-]+)["']""", path.read_text())
        if not key.endswith(".")  # a prefix completed at run time: t("status." ~ status)
    }
    assert used, "no keys found: the pattern is wrong"
    assert sorted(used - catalog().keys()) == []
